using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// Issue 22: one client flooding the embedded API server is answered 429 while the controller, on the loopback
/// identity as in `numa-operator standalone`, keeps placing VMs (its latency with and without the flood is measured
/// by <see cref="FloodBenchmark"/>, figures in docs/benchmarks.md).
/// Runs alone (no other test class of this assembly in parallel): on 2 cores a neighbour test's CPU decides how fast the
/// flood's requests queue up, and with it whether a 429 comes at all.
/// </summary>
[Collection(Name)]
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FloodFairnessTests
{
    public const string Name = "flood";

    [Fact]
    public async Task Under_a_flood_from_one_client_the_client_gets_429_and_the_controller_still_places_every_vm()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await fixture.AddNodeAsync($"node-{i}", 4096, 4096);
        }

        // The flood LISTs every VM: 200 that never fit (2 TiB each) make each LIST cost the server real work, so the
        // flood's requests pile up past the seats and the queue however fast this machine is (with an empty list the
        // client, not the server, was the bottleneck, and no 429 came in 60 s).
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            await fixture.CreateAsync(ControllerFixture.Vm($"unfit-{i:D3}", cores: 1, size: "2Ti")));
        fixture.StartController();
        await using (var flood = new Flood(fixture.Server, concurrency: 96))
        {
            await Eventually.UntilAsync(
                () => Task.FromResult(flood.TooManyRequests),
                tooMany => tooMany > 0,
                TimeSpan.FromSeconds(60),
                "the flood is answered 429",
                describe: _ => $"ok {flood.Ok}, 429 {flood.TooManyRequests}, other {flood.Other}, rejected by flow control {fixture.Server.FlowControl.Rejected}");
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
