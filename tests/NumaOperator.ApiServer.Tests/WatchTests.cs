using System.Collections.Concurrent;
using k8s;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.ApiServer.Tests;

/// <summary>Watches through KubernetesClient: ordered events, resume from a resourceVersion, bookmarks, 410 Gone, dropped streams.</summary>
public sealed class WatchTests
{
    private static Task<Watcher<object>> WatchAsync(
        Kubernetes client, string? resourceVersion, ConcurrentQueue<(WatchEventType Type, NumaVirtualMachine Vm)> events,
        Action<Exception>? onError = null, Action? onClosed = null, string? labelSelector = null) =>
        // The generated watch call returns once the first line (an event or a bookmark) has arrived.
        Task.Run(() => client.CustomObjects.WatchListNamespacedCustomObject(
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural,
            allowWatchBookmarks: true, resourceVersion: resourceVersion, labelSelector: labelSelector, timeoutSeconds: 30,
            onEvent: (type, obj) => events.Enqueue((type, KubernetesJson.Deserialize<NumaVirtualMachine>(obj.ToString()!))),
            onError: onError,
            onClosed: onClosed));

    private static async Task<List<(WatchEventType Type, string Name)>> WaitForAsync(
        ConcurrentQueue<(WatchEventType Type, NumaVirtualMachine Vm)> events, int count)
    {
        await Eventually.HoldsAsync(() => events.Count(e => e.Type != WatchEventType.Bookmark) >= count, TimeSpan.FromSeconds(10), $"{count} watch events besides bookmarks", TimeSpan.FromMilliseconds(20));

        return [.. events.Where(e => e.Type != WatchEventType.Bookmark).Select(e => (e.Type, e.Vm.Metadata.Name))];
    }

    [Fact]
    public async Task Watch_delivers_changes_in_order_and_resumes_from_a_resource_version()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        await vms.CreateNamespacedAsync(TestServer.Vm("a"), "default");
        await vms.CreateNamespacedAsync(TestServer.Vm("b"), "default");
        var listed = await vms.ListNamespacedAsync<NumaVirtualMachineList>("default");

        var events = new ConcurrentQueue<(WatchEventType Type, NumaVirtualMachine Vm)>();
        using (await WatchAsync(client, listed.Metadata.ResourceVersion, events))
        {
            await vms.CreateNamespacedAsync(TestServer.Vm("c"), "default");
            var a = await vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "a");
            a.Spec.Cpu.Cores = 4;
            await vms.ReplaceNamespacedAsync(a, "default", "a");
            await vms.DeleteNamespacedAsync<NumaVirtualMachine>("default", "b");
            var seen = await WaitForAsync(events, 3);
            Assert.Equal([(WatchEventType.Added, "c"), (WatchEventType.Modified, "a"), (WatchEventType.Deleted, "b")], seen);
        }

        // Resume after a disconnect: only what happened since the last seen resourceVersion arrives.
        var lastSeen = events.Last(e => e.Type != WatchEventType.Bookmark).Vm.Metadata.ResourceVersion;
        await vms.CreateNamespacedAsync(TestServer.Vm("d"), "default");
        await vms.DeleteNamespacedAsync<NumaVirtualMachine>("default", "c");
        var resumed = new ConcurrentQueue<(WatchEventType Type, NumaVirtualMachine Vm)>();
        using (await WatchAsync(client, lastSeen, resumed))
        {
            Assert.Equal([(WatchEventType.Added, "d"), (WatchEventType.Deleted, "c")], await WaitForAsync(resumed, 2));
        }
    }

    [Fact]
    public async Task Watch_without_resource_version_starts_with_the_current_objects_and_honours_selectors()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        await vms.CreateNamespacedAsync(TestServer.Vm("a", labels: new Dictionary<string, string> { ["tier"] = "db" }), "default");
        await vms.CreateNamespacedAsync(TestServer.Vm("b"), "default");
        var events = new ConcurrentQueue<(WatchEventType Type, NumaVirtualMachine Vm)>();
        using var watcher = await WatchAsync(client, null, events, labelSelector: "tier=db");
        await vms.CreateNamespacedAsync(TestServer.Vm("c", labels: new Dictionary<string, string> { ["tier"] = "db" }), "default");
        await vms.CreateNamespacedAsync(TestServer.Vm("d"), "default");
        Assert.Equal([(WatchEventType.Added, "a"), (WatchEventType.Added, "c")], await WaitForAsync(events, 2));
        await Eventually.ConsistentlyAsync(
            () => Task.FromResult(events.Select(e => e.Vm.Metadata.Name).ToList()),
            names => !names.Contains("b") && !names.Contains("d"),
            TimeSpan.FromMilliseconds(200),
            "objects outside the selector never reach the watch",
            describe: names => string.Join(", ", names));
    }

    [Fact]
    public async Task Quiet_watch_gets_a_bookmark_promptly()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var events = new ConcurrentQueue<(WatchEventType Type, NumaVirtualMachine Vm)>();
        using var watcher = await WatchAsync(client, server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), events);
        await Eventually.HoldsAsync(() => !events.IsEmpty, TimeSpan.FromSeconds(10), "a first watch event", TimeSpan.FromMilliseconds(20));

        var (type, bookmark) = events.First();
        Assert.Equal(WatchEventType.Bookmark, type);
        Assert.Equal(server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), bookmark.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Too_old_resource_version_is_gone_through_on_error()
    {
        await using var server = await TestServer.StartAsync(watchHistory: 3);
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        var first = await vms.CreateNamespacedAsync(TestServer.Vm("a"), "default");
        for (var i = 0; i < 5; i++)
        {
            await vms.CreateNamespacedAsync(TestServer.Vm("n" + i), "default");
        }

        var errors = new ConcurrentQueue<Exception>();
        var events = new ConcurrentQueue<(WatchEventType Type, NumaVirtualMachine Vm)>();
        using var watcher = await WatchAsync(client, first.Metadata.ResourceVersion, events, errors.Enqueue);
        await Eventually.HoldsAsync(() => !errors.IsEmpty, TimeSpan.FromSeconds(10), "the watch from a compacted resourceVersion reports an error", TimeSpan.FromMilliseconds(20));

        var gone = Assert.IsType<KubernetesException>(errors.First());
        Assert.Equal(410, gone.Status.Code);
        Assert.Equal("Expired", gone.Status.Reason);
        Assert.StartsWith("too old resource version: " + first.Metadata.ResourceVersion, gone.Status.Message, StringComparison.Ordinal);
        Assert.Empty(events);
    }

    [Fact]
    public async Task Dropped_watch_closes_the_stream()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var closed = new TaskCompletionSource();
        var events = new ConcurrentQueue<(WatchEventType Type, NumaVirtualMachine Vm)>();
        using var watcher = await WatchAsync(client, null, events, onClosed: () => closed.TrySetResult());
        await Eventually.HoldsAsync(() => !events.IsEmpty, TimeSpan.FromSeconds(10), "a first watch event", TimeSpan.FromMilliseconds(20));

        Assert.Equal(WatchEventType.Bookmark, events.First().Type);
        Assert.Equal(1, server.DropWatches());
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(watcher.Watching);
    }
}
