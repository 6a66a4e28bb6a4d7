using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Serialization;

/// <summary>An object read from a file, with where it came from (for error messages).</summary>
public sealed record Sourced<T>(T Resource, ManifestSource Source);

/// <summary>The objects of one or more input files, in file order.</summary>
public sealed class ManifestSet
{
    public List<Sourced<NumaNodeTopology>> Topologies { get; } = [];

    public List<Sourced<NumaVirtualMachine>> VirtualMachines { get; } = [];

    /// <summary>Labels of the Kubernetes Node objects read (kind: Node), by node name; they win over a NumaNodeTopology's own labels.</summary>
    public Dictionary<string, IReadOnlyDictionary<string, string>> NodeLabels { get; } = new(StringComparer.Ordinal);
}
