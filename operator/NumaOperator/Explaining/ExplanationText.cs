using System.Globalization;
using NumaOperator.Cli.Placing;

namespace NumaOperator.Cli.Explaining;

/// <summary>
/// The human form of an <see cref="Explanation"/>: the verdict first, then conditions, the spec errors or the per-node
/// scheduling facts or the placement and measurement, then the latest Warning events. Text from the cluster passes
/// through <see cref="OneLineText"/>: a message cannot break a line or drive the terminal.
/// </summary>
public static class ExplanationText
{
    public static void Write(Explanation e, TextWriter o)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(o);
        WriteHeader(e, o);
        WriteConditions(e, o);
        if (e.InvalidSpec is { } invalid)
        {
            WriteInvalidSpec(invalid, o);
        }

        if (e.Scheduling is { } s)
        {
            WriteScheduling(s, o);
        }

        if (e.Placement is { } p)
        {
            WritePlacement(p, o);
        }

        if (e.Numastat is { } m)
        {
            WriteNumastat(m, o);
        }

        if (e.Interfaces.Count > 0)
        {
            o.WriteLine();
            o.WriteLine("Interfaces:");
            Table(o, ["NAME", "MAC", "ATTACHED TO", "FORWARDS (HOST -> GUEST)"], e.Interfaces.Select(InterfaceViews.Row));
        }

        if (e.Migration is { } migration)
        {
            o.WriteLine();
            foreach (var line in migration.Lines())
            {
                o.WriteLine(S(line));
            }
        }

        WriteWarnings(e, o);
    }

    private static void WriteHeader(Explanation e, TextWriter o)
    {
        o.WriteLine($"NumaVirtualMachine {S(e.Vm)}");
        o.WriteLine($"Verdict:     {S(e.Verdict)}");
        o.WriteLine($"Phase:       {S(e.Phase ?? "(none)")}");
        o.WriteLine($"Generation:  {N(e.Generation)}, status.observedGeneration {N(e.ObservedGeneration)}");
        if (e.GenerationNote is { } note)
        {
            o.WriteLine($"             {S(note)}");
        }
    }

    private static void WriteConditions(Explanation e, TextWriter o)
    {
        o.WriteLine();
        o.WriteLine("Conditions:");
        if (e.Conditions.Count == 0)
        {
            o.WriteLine("  (none: the controller has not written this VM's status yet)");
            return;
        }

        Table(o, ["TYPE", "STATUS", "REASON", "AGE", "MESSAGE"], e.Conditions.Select(c => new[]
        {
            c.Type, c.Status, c.Reason ?? string.Empty, c.Age + (c.Stale ? $" (gen {N(c.ObservedGeneration)})" : string.Empty), c.Message ?? string.Empty,
        }));
    }

    private static void WriteInvalidSpec(SpecErrorsView invalid, TextWriter o)
    {
        o.WriteLine();
        o.WriteLine($"Invalid spec ({S(invalid.Reason ?? "validation")}): fix these fields");
        foreach (var error in invalid.Errors)
        {
            o.WriteLine($"  {S(error.Path)}: {S(error.Type)}{(error.Value is null ? string.Empty : $" \"{S(error.Value)}\"")}");
            if (error.Detail.Length > 0)
            {
                o.WriteLine($"      {S(error.Detail)}");
            }
        }
    }

    private static void WritePlacement(PlacementView p, TextWriter o)
    {
        o.WriteLine();
        var how = p.Accelerator is null ? string.Empty : $", {S(p.Accelerator)} with cpu model {S(p.CpuModel ?? "host-model")}";
        o.WriteLine($"Placement: node {S(p.Node)}, host NUMA node(s) {p.HostNodes}, page size {S(p.PageSize)}{how}");
        Table(o, ["GUEST NODE", "HOST NODE", "VCPUS", "HOST CPUS", "MEMORY"], p.GuestNodes.Select(g => new[]
        {
            I(g.GuestNode), I(g.HostNode), g.Vcpus, g.HostCpus, g.Memory,
        }));
    }

    private static void WriteNumastat(NumastatView m, TextWriter o)
    {
        o.WriteLine();
        o.WriteLine($"Measured (numastat, sampled {m.Age} ago): localRatio {S(m.LocalRatio ?? "-")}; NumaAligned={S(m.Aligned ?? "Unknown")} {S(m.Reason ?? string.Empty)}".TrimEnd());
        if (m.Nodes.Count > 0)
        {
            Table(o, ["HOST NODE", "BYTES", "SIZE", "PLACED THERE"], m.Nodes.Select(n => new[]
            {
                I(n.Node), n.Bytes.ToString(CultureInfo.InvariantCulture), n.Human, n.Placed ? "yes" : "no",
            }));
        }

        if (m.GuestNodes is { Count: > 0 } guests)
        {
            Table(o, ["GUEST NODE", "PLACED ON", "MEASURED", "POLICY"], guests.Select(g => new[]
            {
                I(g.GuestNode), I(g.HostNode),
                string.Join(", ", g.Nodes.Where(n => n.Bytes > 0 || n.Placed).Select(n => $"{n.Human} on node {I(n.Node)}{(n.Placed || n.Bytes == 0 ? string.Empty : " (not its node)")}")),
                g.Policy ?? "-",
            }));
        }

        o.WriteLine($"  {S(m.Plain)}");
        if (m.Aligned == "False" && m.Message is { } message)
        {
            o.WriteLine($"  agent: {S(message)}");
        }
    }

    private static void WriteWarnings(Explanation e, TextWriter o)
    {
        o.WriteLine();
        if (e.Warnings.Count == 0)
        {
            o.WriteLine("Warning events: none");
            return;
        }

        o.WriteLine("Warning events (newest first):");
        Table(o, ["REASON", "COUNT", "AGE", "FROM", "MESSAGE"], e.Warnings.Select(w => new[]
        {
            w.Reason, I(w.Count), w.Age, w.Source ?? string.Empty, w.Message,
        }));
    }

    private static void WriteScheduling(SchedulingView s, TextWriter o)
    {
        o.WriteLine();
        o.WriteLine("Scheduling:");
        o.WriteLine($"  controller: Scheduled reason {S(s.RecordedReason ?? "(none)")}: {S(s.RecordedMessage ?? "(no decision recorded yet)")}");
        if (s.Request is not { } r)
        {
            return;
        }

        var cpus = r.Dedicated ? $"{r.VcpusPerGuestNode} free CPUs (dedicated)" : "an unpinned CPU (shared vCPUs)";
        var allowed = r.AllowedHostNodes is null ? string.Empty : $", only host NUMA nodes \"{r.AllowedHostNodes}\"";
        var selector = r.NodeSelector.Count == 0 ? string.Empty : ", nodeSelector " + string.Join(",", r.NodeSelector.Select(kv => $"{kv.Key}={kv.Value}"));
        o.WriteLine($"  asks:       {r.GuestNodes} host NUMA node(s), each with {SchedulingAnalysis.MemoryText(r)} and {cpus}{S(allowed)}{S(selector)}; accelerator {S(r.Accelerator)}, cpu model {S(r.CpuModel)}");
        o.WriteLine($"  engine now: {S(s.FitsNowOn is { } node ? $"fits on {node}" : s.Summary ?? string.Empty)}");
        foreach (var candidate in s.Nodes)
        {
            o.WriteLine();
            o.WriteLine($"  node {S(candidate.Node)}: {S(candidate.Reason ?? "fits")}");
            if (candidate.Accelerators is { } accelerators)
            {
                o.WriteLine($"    accelerators: {S(accelerators)}");
            }

            Table(o, ["    NUMA", "ALLOWED", $"FREE/TOTAL {r.PageSize} PAGES", "PAGES NEEDED", "FREE/USABLE CPUS", "CPUS NEEDED"], candidate.NumaNodes.Select(n => new[]
            {
                "    " + I(n.Id),
                n.Allowed ? "yes" : "no",
                $"{n.FreePages}/{n.CapacityPages}",
                (n.EnoughPages ? "ok " : "short ") + r.PagesPerGuestNode.ToString(CultureInfo.InvariantCulture),
                $"{n.FreeCpus}/{n.UsableCpus}",
                (n.EnoughCpus ? "ok " : "short ") + (r.Dedicated ? r.VcpusPerGuestNode : 1).ToString(CultureInfo.InvariantCulture),
            }));
        }

        if (s.Nodes.Count == 0)
        {
            o.WriteLine("  no node is usable for scheduling");
        }

        foreach (var reason in s.NodesNotConsidered)
        {
            o.WriteLine($"  not considered: {S(reason)}");
        }
    }

    /// <summary>kubectl-style columns: padded, never wrapped; the last column is free text.</summary>
    private static void Table(TextWriter o, string[] headers, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { headers };
        all.AddRange(rows.Select(r => r.Select(S).ToArray()));
        var widths = new int[headers.Length];
        foreach (var cells in all)
        {
            for (var c = 0; c < cells.Length; c++)
            {
                widths[c] = Math.Max(widths[c], cells[c].Length);
            }
        }

        foreach (var cells in all)
        {
            var line = string.Concat(cells.Select((cell, c) => c < cells.Length - 1 ? cell.PadRight(widths[c] + 3) : cell));
            o.WriteLine("  " + line.TrimEnd());
        }
    }

    private static string S(string text) => OneLineText.Of(text);

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string N(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "none";
}
