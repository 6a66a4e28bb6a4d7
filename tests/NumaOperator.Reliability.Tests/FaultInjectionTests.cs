using Xunit.Abstractions;

namespace NumaOperator.Reliability.Tests;

/// <summary>
/// The fault-injection run at CI size (NUMAOP_FAULT_* set the size of an on-demand run; see docs/reliability.md):
/// churn under injected faults and restarts, then zero invariant violations.
/// </summary>
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Churn_under_faults_and_restarts_keeps_every_invariant()
    {
        var options = FaultRunOptions.FromEnvironment();
        var unavailable = await RealNode.UnavailableAsync(options.RealVms);
        if (unavailable is not null)
        {
            output.WriteLine(unavailable);
        }

        var reports = new List<FaultRunReport>();
        for (var run = 0; run < options.Runs; run++)
        {
            var these = options with { Seed = options.Seed + run };
            await using var harness = await FaultHarness.StartAsync(these, unavailable is null ? async h => await RealNode.StartAsync(h, these.RealVms) : null);
            output.WriteLine($"run {run + 1} of {options.Runs}:");
            reports.Add(await harness.RunAsync(output));
        }

        var converge = reports.Select(r => r.TimeToConverge?.TotalSeconds ?? double.NaN).ToList();
        output.WriteLine($"{reports.Count} run(s): {reports.Sum(r => r.TotalFaults)} faults injected, {reports.Sum(r => r.Violations.Count)} violations, time to converge {string.Join(" / ", converge.Select(c => c.ToString("0.0 s", System.Globalization.CultureInfo.InvariantCulture)))}");
        foreach (var report in reports)
        {
            Assert.True(report.TotalFaults > 0, "faults were injected");
            Assert.True(report.Faults["controller killed"] > 0 && report.Faults["sim agent killed"] > 0, "the controller and the agents were killed mid-run");
            Assert.True(report.Violations.Count == 0, report.Render());
        }
    }

    /// <summary>The harness can fail: an agent that reports Stopped without stopping its VM is caught.</summary>
    [Fact]
    public async Task An_agent_that_reports_stopped_without_stopping_is_caught()
    {
        var options = new FaultRunOptions
        {
            Vms = 12,
            Nodes = 2,
            RealVms = 0,
            ChurnTime = TimeSpan.FromSeconds(8),
            ConvergeTimeout = TimeSpan.FromSeconds(5),
            Flaw = SimulatedFlaw.ReportsStoppedWithoutKilling,
        };
        await using var harness = await FaultHarness.StartAsync(options);
        var report = await harness.RunAsync(output);

        // Which symptom shows first depends on timing: a process of a stopped VM, the host short of pages for the VM
        // placed on what the controller believed free, or a process left after the VMs were deleted.
        Assert.Contains(report.Violations, v => v.Contains("though the VM is stopped", StringComparison.Ordinal)
            || v.Contains("wants stopped", StringComparison.Ordinal)
            || v.StartsWith("host:", StringComparison.Ordinal)
            || v.StartsWith("drain: process", StringComparison.Ordinal));
    }
}
