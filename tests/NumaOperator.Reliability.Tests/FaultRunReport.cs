using System.Globalization;
using System.Text;

namespace NumaOperator.Reliability.Tests;

/// <summary>What one fault-injection run did and found; <see cref="Render"/> is printed in the test output.</summary>
public sealed class FaultRunReport
{
    public required FaultRunOptions Options { get; init; }

    /// <summary>Injected faults by kind.</summary>
    public SortedDictionary<string, long> Faults { get; } = new(StringComparer.Ordinal);

    /// <summary>Churn operations by kind (those that reached the server).</summary>
    public SortedDictionary<string, long> Operations { get; } = new(StringComparer.Ordinal);

    /// <summary>Final state counts (running, stopped, unschedulable, deleted, ...).</summary>
    public SortedDictionary<string, long> Final { get; } = new(StringComparer.Ordinal);

    public List<string> Violations { get; } = [];

    public List<string> Notes { get; } = [];

    public TimeSpan ChurnTime { get; set; }

    public TimeSpan? TimeToConverge { get; set; }

    public TimeSpan? TimeToDrain { get; set; }

    public TimeSpan Total { get; set; }

    public long TotalFaults => Faults.Values.Sum();

    public string Render()
    {
        var text = new StringBuilder();
        var o = Options;
        Line(text, $"fault-injection run: {o.Vms} simulated VMs on {o.Nodes} simulated nodes, {o.RealVms} real QEMU VM(s), seed {o.Seed}, churn {o.ChurnTime.TotalSeconds:0} s");
        Line(text, $"faults injected: {TotalFaults} ({string.Join(", ", Faults.Select(f => $"{f.Key} {f.Value}"))})");
        Line(text, $"operations: {Operations.Values.Sum()} ({string.Join(", ", Operations.Select(f => $"{f.Key} {f.Value}"))})");
        Line(text, $"final state: {string.Join(", ", Final.Select(f => $"{f.Key} {f.Value}"))}");
        Line(text, $"time to converge after the faults stopped: {Seconds(TimeToConverge)}; to delete every VM and drain the hosts: {Seconds(TimeToDrain)}; run total {Total.TotalSeconds:0.0} s");
        Line(text, $"violations: {Violations.Count}");
        foreach (var violation in Violations.Take(50))
        {
            Line(text, "  " + violation);
        }

        foreach (var note in Notes)
        {
            Line(text, "note: " + note);
        }

        return text.ToString();
    }

    private static string Seconds(TimeSpan? time) => time is { } t ? t.TotalSeconds.ToString("0.0 s", CultureInfo.InvariantCulture) : "did not";

    private static void Line(StringBuilder text, string line) => text.Append(CultureInfo.InvariantCulture, $"{line}\n");
}
