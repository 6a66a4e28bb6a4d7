using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>Runtime pieces against the embedded API server: informer re-list after 410 Gone, event aggregation, the controller's own validation.</summary>
public sealed class RuntimeAgainstServerTests
{
    [Fact]
    public async Task Informer_relists_after_gone_and_reports_objects_that_vanished_as_deletes()
    {
        await using var fixture = await ControllerFixture.StartAsync(watchHistory: 3);
        await fixture.CreateAsync(ControllerFixture.Vm("a"));
        await fixture.CreateAsync(ControllerFixture.Vm("b"));
        var api = new GatedApi(new CustomResourceApi<NumaVirtualMachine, NumaVirtualMachineList>(fixture.Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural));
        var informer = new Informer<NumaVirtualMachine>(api, new InformerOptions { WatchTimeoutSeconds = 30 });
        var deleted = new List<string>();
        informer.Changed += c =>
        {
            if (c.Type == WatchEventType.Deleted)
            {
                lock (deleted)
                {
                    deleted.Add(c.Item.Metadata.Name);
                }
            }
        };
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        try
        {
            await informer.WaitForSyncAsync(stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
            await WaitUntilAsync(() => api.Watches == 1);
            api.Closed = true; // the next watch waits until the history has moved past the informer's resourceVersion
            await fixture.Vms.DeleteNamespacedAsync<NumaVirtualMachine>("default", "a");
            await WaitUntilAsync(() => informer.Cache.Get("default/a") is null);

            fixture.Server.DropWatches();
            await WaitUntilAsync(() => api.Waiting);
            await fixture.Vms.DeleteNamespacedAsync<NumaVirtualMachine>("default", "b");
            for (var i = 0; i < 6; i++)
            {
                await fixture.CreateAsync(ControllerFixture.Vm($"c{i}"));
            }

            api.Closed = false;
            await WaitUntilAsync(() => informer.Lists >= 2 && informer.Cache.Count == 6);
            Assert.Null(informer.Cache.Get("default/b"));
            lock (deleted)
            {
                Assert.Equal(["a", "b"], deleted);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await run;
        }
    }

    [Fact]
    public async Task Repeated_events_are_aggregated_into_one_with_a_count()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        var vm = await fixture.CreateAsync(ControllerFixture.Vm("a"));
        var recorder = new EventRecorder(fixture.Client, "test");
        for (var i = 0; i < 3; i++)
        {
            await recorder.WarningAsync(vm, "FailedScheduling", "0/1 nodes fit", CancellationToken.None);
        }

        await recorder.WarningAsync(vm, "FailedScheduling", "0/2 nodes fit", CancellationToken.None);
        var events = (await fixture.Client.CoreV1.ListNamespacedEventAsync("default")).Items.Where(e => e.InvolvedObject.Name == "a").ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(3, events.Single(e => e.Message == "0/1 nodes fit").Count);
    }

    [Fact]
    public async Task Invalid_spec_the_schema_let_through_is_stalled_with_the_field_path_and_not_placed()
    {
        await using var fixture = await ControllerFixture.StartAsync(admission: false);
        await fixture.AddNodeAsync("worker-1", 1024);
        fixture.StartController();
        var invalid = ControllerFixture.Vm("bad", size: "1001Mi"); // not a whole number of 2Mi pages
        await fixture.CreateAsync(invalid);

        var vm = await fixture.WaitForAsync("bad", v => ConditionList.IsTrue(v.Status?.Conditions, SchedulingReconciler.ConditionStalled));
        var stalled = ConditionList.Find(vm.Status!.Conditions, SchedulingReconciler.ConditionStalled)!;
        Assert.Equal(SchedulingStatus.ReasonInvalidSpec, stalled.Reason);
        Assert.Contains("spec.memory.size", stalled.Message, StringComparison.Ordinal);
        Assert.Null(vm.Status.Placement);
        Assert.Equal("False", ConditionList.Find(vm.Status.Conditions, SchedulingStatus.ConditionType)!.Status);
    }

    private static Task WaitUntilAsync(Func<bool> condition) => Eventually.HoldsAsync(condition, TimeSpan.FromSeconds(10), "condition reached");

    /// <summary>Delegates to the real API; while <see cref="Closed"/>, a new watch waits (so history can move past it).</summary>
    private sealed class GatedApi(IResourceApi<NumaVirtualMachine> inner) : IResourceApi<NumaVirtualMachine>
    {
        public volatile bool Closed;
        public volatile bool Waiting;
        private int watches;

        public int Watches => watches;

        public Task<(IReadOnlyList<NumaVirtualMachine> Items, string ResourceVersion)> ListAsync(CancellationToken ct) => inner.ListAsync(ct);

        public async IAsyncEnumerable<(WatchEventType Type, NumaVirtualMachine Item)> WatchAsync(
            string resourceVersion, int timeoutSeconds, Action<Exception> onError, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            Interlocked.Increment(ref watches);
            while (Closed && watches > 1)
            {
                Waiting = true;
                await Task.Delay(20, ct);
            }

            Waiting = false;
            await foreach (var item in inner.WatchAsync(resourceVersion, timeoutSeconds, onError, ct))
            {
                yield return item;
            }
        }
    }
}
