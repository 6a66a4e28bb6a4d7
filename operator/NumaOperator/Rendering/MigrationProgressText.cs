using System.Globalization;
using System.Text;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Cli.Rendering;

/// <summary>
/// What <c>numa-operator migrate</c> prints while it waits and when the move ended: a progress line from
/// status.progress, when a line is worth printing without a terminal, and the outcome. Pure: no clock, no console.
/// </summary>
public static class MigrationProgressText
{
    public const int BarWidth = 24;

    /// <summary>"Running   [##########..............]  42%  54.0 MiB/128.0 MiB  remaining 74.0 MiB  iteration 1  3.1 s".</summary>
    public static string Line(NumaVirtualMachineMigration migration)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var phase = MigrationPhases.Of(migration.Status?.Phase);
        var text = new StringBuilder(phase.PadRight(13));
        var progress = migration.Status?.Progress;
        if (Percent(migration) is not { } percent || progress is null)
        {
            return text.Append(WaitingFor(phase)).ToString().TrimEnd();
        }

        var filled = percent * BarWidth / 100;
        text.Append('[').Append('#', filled).Append('.', BarWidth - filled).Append(']')
            .Append(CultureInfo.InvariantCulture, $" {percent,3}%  {ByteQuantity.Human(progress.DataProcessed ?? 0)}/{ByteQuantity.Human(progress.DataTotal ?? 0)}");
        if (progress.DataRemaining is { } remaining)
        {
            text.Append("  remaining ").Append(ByteQuantity.Human(remaining));
        }

        if (progress.Iterations is { } iterations)
        {
            text.Append(CultureInfo.InvariantCulture, $"  iteration {iterations}");
        }

        if (progress.ElapsedMilliseconds is { } elapsed)
        {
            text.Append("  ").Append(Seconds(elapsed));
        }

        return text.ToString();
    }

    /// <summary>dataProcessed/dataTotal in whole percent (0..100); null before the source reports progress.</summary>
    public static int? Percent(NumaVirtualMachineMigration migration)
    {
        ArgumentNullException.ThrowIfNull(migration);
        if (migration.Status?.Progress is not { DataTotal: > 0 } progress)
        {
            return null;
        }

        // Dirty pages are sent again, so processed can pass total: the bar stays full until the switch-over.
        return (int)Math.Clamp((progress.DataProcessed ?? 0) * 100 / progress.DataTotal.Value, 0, 100);
    }

    /// <summary>
    /// Without a terminal (a log, a pipe) one line per phase change or per 10% of progress, so the output stays short:
    /// whether <paramref name="now"/> deserves a line after <paramref name="lastPrinted"/> (null: nothing printed yet).
    /// </summary>
    public static bool WorthALine(NumaVirtualMachineMigration? lastPrinted, NumaVirtualMachineMigration now)
    {
        ArgumentNullException.ThrowIfNull(now);
        if (lastPrinted is null || MigrationPhases.Of(lastPrinted.Status?.Phase) != MigrationPhases.Of(now.Status?.Phase))
        {
            return true;
        }

        return Percent(now) / 10 is { } decile && decile > (Percent(lastPrinted) ?? -10) / 10;
    }

    /// <summary>
    /// The outcome line. Succeeded: "moved from node a (NUMA 0) to node b (NUMA 1) in 4.2 s, downtime 35 ms, measured:
    /// 128.0 MiB on node 1, localRatio 1.000" (the numastat of <paramref name="vm"/> when given, else the migration's
    /// targetNumastat). Failed: "failed: REASON: MESSAGE; the VM keeps running on node a". Otherwise the phase.
    /// </summary>
    public static string Outcome(NumaVirtualMachineMigration migration, NumaVirtualMachine? vm)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var status = migration.Status;
        switch (MigrationPhases.Of(status?.Phase))
        {
            case MigrationPhases.Succeeded:
                var text = new StringBuilder($"moved from {Where(status!.SourceNode, status.SourcePlacement)} to {Where(status.TargetNode, status.TargetPlacement)}");
                if (Took(status) is { } took)
                {
                    text.Append(" in ").Append(Seconds((long)took.TotalMilliseconds));
                }

                if (status.Progress?.DowntimeMilliseconds is { } downtime)
                {
                    text.Append(CultureInfo.InvariantCulture, $", downtime {downtime} ms");
                }

                if ((vm?.Status?.Numastat ?? status.TargetNumastat) is { } numastat)
                {
                    text.Append(", measured: ").Append(Measured(numastat));
                }

                return text.ToString();
            case MigrationPhases.Failed:
                return $"failed: {status!.Reason ?? "unknown reason"}: {status.Message ?? "no message"}" +
                    (status.SourceNode is { Length: > 0 } source ? $"; the VM keeps running on node {source}" : string.Empty);
            default:
                return $"not finished: phase {MigrationPhases.Of(status?.Phase)}";
        }
    }

    /// <summary>"node a (NUMA 0,1)": the node and the host NUMA nodes of a placement.</summary>
    private static string Where(string? node, PlacementStatus? placement)
    {
        var hostNodes = placement?.GuestNodes.Select(g => g.HostNode).Distinct().Order().ToList();
        var numa = hostNodes is { Count: > 0 } ? $" (NUMA {string.Join(',', hostNodes)})" : string.Empty;
        return $"node {node ?? "?"}{numa}";
    }

    private static TimeSpan? Took(NumaVirtualMachineMigrationStatus status) =>
        status.StartTime is { } start && status.CompletionTime is { } end && end >= start ? end - start
        : status.Progress?.ElapsedMilliseconds is { } elapsed ? TimeSpan.FromMilliseconds(elapsed)
        : null;

    /// <summary>"128.0 MiB on node 1, localRatio 1.000"; several host nodes are listed each with its share.</summary>
    private static string Measured(NumastatStatus numastat)
    {
        var nodes = numastat.Nodes.Where(n => n.Bytes > 0).OrderBy(n => n.Node).Select(n => $"{ByteQuantity.Human(n.Bytes)} on node {n.Node.ToString(CultureInfo.InvariantCulture)}").ToList();
        var where = nodes.Count > 0 ? string.Join(" + ", nodes) : "no guest RAM found";
        return numastat.LocalRatio is { Length: > 0 } ratio ? $"{where}, localRatio {ratio}" : where;
    }

    private static string Seconds(long milliseconds) => (milliseconds / 1000.0).ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private static string WaitingFor(string phase) => phase switch
    {
        MigrationPhases.Pending => "waiting for the controller to choose a target",
        MigrationPhases.Scheduled => "target chosen; waiting for its agent to start QEMU -incoming",
        MigrationPhases.TargetReady => "target listening; waiting for the source to start sending",
        MigrationPhases.Running => "sending; no progress reported yet",
        MigrationPhases.TargetRunning => "received and measured; waiting for the controller to move the VM",
        _ => string.Empty,
    };
}
