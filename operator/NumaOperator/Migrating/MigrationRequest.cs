using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;
using NumaOperator.Cli.Standalone;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Cli.Migrating;

/// <summary>
/// The flags of <c>numa-operator migrate</c> checked and turned into the NumaVirtualMachineMigration to create, before
/// any request is sent: bad input names the flag and its allowed values and creates nothing. Pure.
/// </summary>
public static class MigrationRequest
{
    public static readonly TimeSpan MinTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(24);

    /// <exception cref="BadInputException">An argument or flag is not allowed; the message names it and the allowed values.</exception>
    public static NumaVirtualMachineMigration Build(string? vm, string? toNode, string? toNumaNode, string? bandwidth, string? timeout)
    {
        var reference = VmReference.Parse(vm);
        if (toNode is not null)
        {
            NodeArgument.Parse(toNode, "--to-node");
        }

        string? numaNodes = null;
        if (toNumaNode is not null)
        {
            if (!CpuSet.TryParse(toNumaNode, out var set, out var error) || set.Count == 0)
            {
                throw new BadInputException($"--to-numa-node \"{Placing.OneLineText.Of(toNumaNode)}\": expected host NUMA node ids in cpuset syntax, e.g. 1 or 0-1 or 0,2{(error.Length > 0 ? " (" + error + ")" : string.Empty)}");
            }

            numaNodes = set.ToString();
        }

        if (bandwidth is not null && (!ByteQuantity.TryParse(bandwidth, out var bytesPerSecond) || bytesPerSecond <= 0))
        {
            throw new BadInputException($"--bandwidth \"{Placing.OneLineText.Of(bandwidth)}\": expected bytes per second above 0, {ByteQuantity.AllowedForm}");
        }

        int? timeoutSeconds = timeout is null ? null : (int)DurationOption.Parse("--timeout", timeout, MinTimeout, MaxTimeout).TotalSeconds;
        return new NumaVirtualMachineMigration
        {
            Metadata = new V1ObjectMeta { GenerateName = GenerateNameFor(reference.Name), NamespaceProperty = reference.Namespace },
            Spec = new NumaVirtualMachineMigrationSpec
            {
                VmName = reference.Name,
                TargetNode = toNode,
                TargetNumaNodes = numaNodes,
                Bandwidth = bandwidth,
                CompletionTimeoutSeconds = timeoutSeconds,
            },
        };
    }

    /// <summary>"&lt;vm&gt;-migration-": the API server appends 5 characters; the whole name stays within 253.</summary>
    public static string GenerateNameFor(string vmName)
    {
        ArgumentNullException.ThrowIfNull(vmName);
        const string suffix = "-migration-";
        return (vmName.Length > 253 - 5 - suffix.Length ? vmName[..(253 - 5 - suffix.Length)] : vmName) + suffix;
    }
}
