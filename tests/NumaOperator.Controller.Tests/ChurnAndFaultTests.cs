using k8s.Autorest;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>Controllers disposed at random points mid-churn, with injected 409s, 500s and dropped watches: the ledger is rebuilt, nothing double-booked, every VM converges.</summary>
public sealed class ChurnAndFaultTests
{
    [Fact]
    public async Task Restarts_mid_churn_under_faults_never_double_book_and_every_vm_converges()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("worker-1", 512, 512);
        await fixture.AddNodeAsync("worker-2", 512, 512);
        fixture.Server.Faults.ConflictProbability = 0.1;
        fixture.Server.Faults.ErrorProbability = 0.05;
        fixture.Server.Faults.DropWatchProbability = 0.2;
        var random = new Random(7);
        const int vmCount = 20; // capacity: 4 NUMA nodes × 512 pages / 128 pages = 16 VMs
        var controller = 0;
        fixture.StartController();
        for (var i = 0; i < vmCount; i++)
        {
            await RetryAsync(() => fixture.CreateAsync(ControllerFixture.Vm($"vm{i:D2}", cores: 1, size: "256Mi", dedicated: true)));
            if (random.Next(4) == 0)
            {
                await Task.Delay(random.Next(0, 150));
                await fixture.StopControllerAsync(controller++);
                fixture.StartController();
            }
        }

        fixture.Server.Faults.Reset();
        fixture.Server.DropWatches();
        var all = (await Eventually.LastReadingAsync(
            fixture.ListAsync, list => list.Items.Count(v => ControllerFixture.IsScheduled(v) || ControllerFixture.IsUnschedulable(v)) >= vmCount, TimeSpan.FromSeconds(40), TimeSpan.FromMilliseconds(200))).Items;

        Assert.True(controller >= 2, "the controller was restarted mid-churn");
        Assert.Empty(ControllerFixture.DoubleBookings(all, 512));
        Assert.Equal(16, all.Count(ControllerFixture.IsScheduled));
        Assert.Equal(4, all.Count(ControllerFixture.IsUnschedulable));
    }

    private static async Task RetryAsync(Func<Task> write)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await write();
                return;
            }
            catch (HttpOperationException e) when (attempt < 20 && (int)e.Response.StatusCode is 409 or >= 500)
            {
                if ((int)e.Response.StatusCode == 409 && e.Response.Content.Contains("AlreadyExists", StringComparison.Ordinal))
                {
                    return; // an injected error hid a create that went through
                }

                await Task.Delay(20);
            }
        }
    }
}
