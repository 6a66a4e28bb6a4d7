using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Status;

/// <summary>spec.evictionStrategy: what evacuating a node does to a VM (KubeVirt's names).</summary>
public static class EvictionStrategies
{
    public const string None = "None";
    public const string LiveMigrate = "LiveMigrate";

    public static IReadOnlyList<string> All { get; } = [None, LiveMigrate];

    /// <summary>spec.evictionStrategy, None when omitted.</summary>
    public static string Of(NumaVirtualMachineSpec? spec) => spec?.EvictionStrategy ?? None;
}
