using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// Issue 22: one client flooding the embedded API server is answered 429 while the controller, on the loopback
/// identity as in `numa-operator standalone`, keeps placing VMs (its latency with and without the flood is measured
/// by <see cref="FloodBenchmark"/>, figures in docs/benchmarks.md).
/// </summary>
public sealed class FloodFairnessTests
{
    [Fact]
    public async Task Under_a_flood_from_one_client_the_client_gets_429_and_the_controller_still_places_every_vm()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await fixture.AddNodeAsync($"node-{i}", 4096, 4096);
        }

        fixture.StartController();
        await using (var flood = new Flood(fixture.Server, concurrency: 96))
        {
            await Eventually.HoldsAsync(() => flood.TooManyRequests > 0, TimeSpan.FromSeconds(30), $"the flood was answered 429 (ok {flood.Ok}, other {flood.Other}, rejected {fixture.Server.FlowControl.Rejected})");
            for (var i = 0; i < 20; i++)
            {
                await fixture.CreateAsync(ControllerFixture.Vm($"vm-{i:D2}", cores: 1, size: "512Mi"));
            }

            for (var i = 0; i < 20; i++)
            {
                await fixture.WaitForAsync($"vm-{i:D2}", ControllerFixture.IsScheduled, seconds: 60);
            }

            Assert.True(flood.Ok > 0, "the flood was never served at all");
            Assert.True(fixture.Server.FlowControl.Rejected > 0);
        }
    }
}
