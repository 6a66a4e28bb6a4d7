using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Cli.Standalone;

/// <summary>One line of the live VM table. Pure: derived from the VM object only.</summary>
public sealed record VmRow(string Key, string Phase, string Node, string Numa, string Local, string Ready, string Reason)
{
    public static IReadOnlyList<string> Headers { get; } = ["NAMESPACE/NAME", "PHASE", "NODE", "NUMA", "LOCAL", "READY", "REASON"];

    public static VmRow Of(NumaVirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var status = vm.Status;
        var hostNodes = status?.Placement?.GuestNodes.Select(g => g.HostNode).Distinct().Order().ToList();
        var ready = ConditionList.Find(status?.Conditions, VmConditions.Ready)?.Status ?? "-";
        return new VmRow(
            vm.Key,
            status?.Phase ?? VmConditions.PhasePending,
            Dash(status?.NodeName),
            hostNodes is { Count: > 0 } ? string.Join(',', hostNodes) : "-",
            Dash(status?.Numastat?.LocalRatio),
            ready,
            Abnormal(vm));
    }

    /// <summary>The rows of <paramref name="vms"/> in key order.</summary>
    public static IReadOnlyList<VmRow> Of(IEnumerable<NumaVirtualMachine> vms) => [.. vms.Select(Of).OrderBy(r => r.Key, StringComparer.Ordinal)];

    public IReadOnlyList<string> Cells => [Key, Phase, Node, Numa, Local, Ready, Reason];

    /// <summary>The reason of the first condition that says something is wrong (Stalled, or a False one), else empty.</summary>
    private static string Abnormal(NumaVirtualMachine vm)
    {
        var conditions = vm.Status?.Conditions ?? [];
        var wrong = conditions.FirstOrDefault(c => c.Type == VmConditions.Stalled && c.Status == VmConditions.True)
            ?? conditions.FirstOrDefault(c => c.Status == VmConditions.False && c.Type != VmConditions.Ready && c.Type != VmConditions.Reconciling)
            ?? conditions.FirstOrDefault(c => c.Type == VmConditions.RestartRequired && c.Status == VmConditions.True);
        return wrong is null ? string.Empty : $"{wrong.Type}: {wrong.Reason}";
    }

    private static string Dash(string? text) => string.IsNullOrEmpty(text) ? "-" : text;
}
