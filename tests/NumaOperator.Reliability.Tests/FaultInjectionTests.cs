using Xunit.Abstractions;

namespace NumaOperator.Reliability.Tests;

/// <summary>
/// The fault-injection run at CI size (NUMAOP_FAULT_* set the size of an on-demand run; see docs/reliability.md):
/// churn under injected faults and restarts, then zero invariant violations.
/// </summary>
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ChurnUnderFaultsAndRestartsKeepsEveryInvariant()
    {
        var options = FaultRunOptions.FromEnvironment();
        var unavailable = await RealNode.UnavailableAsync(options.RealVms);
        if (unavailable is not null)
        {
            output.WriteLine(unavailable);
        }

        await using var harness = await FaultHarness.StartAsync(options, unavailable is null ? async h => await RealNode.StartAsync(h, options.RealVms) : null);
        var report = await harness.RunAsync(output);

        Assert.True(report.TotalFaults > 0, "faults were injected");
        Assert.True(report.Faults["controller killed"] > 0 && report.Faults["sim agent killed"] > 0, "the controller and the agents were killed mid-run");
        Assert.True(report.Violations.Count == 0, report.Render());
    }
}
