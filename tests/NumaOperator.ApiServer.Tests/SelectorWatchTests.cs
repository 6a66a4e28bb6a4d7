using System.Collections.Concurrent;
using System.Globalization;
using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.ApiServer.Tests;

/// <summary>
/// Label-selected watches through KubernetesClient as the real server's watch cache serves them: an object whose
/// labels move into a watcher's selector arrives as ADDED, out of it as DELETED (previous content, new
/// resourceVersion), and the same when a watch resumes from a resourceVersion and replays the history.
/// </summary>
public sealed class SelectorWatchTests
{
    private const string NodeLabel = ApiGroup.NodeLabel;

    private sealed record Seen(WatchEventType Type, string Name, string ResourceVersion, string? Node);

    private static Task<Watcher<object>> WatchAsync(
        Kubernetes client, string? resourceVersion, ConcurrentQueue<Seen> events, string? labelSelector = null, string? fieldSelector = null) =>
        // The generated watch call may return before the server has opened the watch: a watch from a resourceVersion
        // replays what came after it anyway; one without must see its first event before the test changes anything.
        Task.Run(() => client.CustomObjects.WatchListNamespacedCustomObject(
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural,
            allowWatchBookmarks: true, resourceVersion: resourceVersion, labelSelector: labelSelector, fieldSelector: fieldSelector,
            timeoutSeconds: 30,
            onEvent: (type, obj) =>
            {
                var vm = KubernetesJson.Deserialize<NumaVirtualMachine>(obj.ToString()!);
                events.Enqueue(new Seen(type, vm.Metadata.Name, vm.Metadata.ResourceVersion, (vm.Metadata.Labels is { } labels && labels.TryGetValue(NodeLabel, out var node) ? node : null)));
            }));

    private static async Task<List<Seen>> WaitForAsync(ConcurrentQueue<Seen> events, int count)
    {
        int Seen() => events.Count(e => e.Type != WatchEventType.Bookmark);
        await Eventually.HoldsAsync(() => Seen() >= count, TimeSpan.FromSeconds(10), $"{count} watch events besides bookmarks", TimeSpan.FromMilliseconds(20));

        // Nothing more may follow: a watcher that gets an extra event fails here rather than passing by timing.
        await Eventually.ConsistentlyAsync(() => Task.FromResult(Seen()), seen => seen == count, TimeSpan.FromMilliseconds(300), $"no watch event beyond the {count} expected");
        return [.. events.Where(e => e.Type != WatchEventType.Bookmark)];
    }

    private static Task<NumaVirtualMachine> PatchAsync(GenericClient vms, string name, string mergePatch) =>
        vms.PatchNamespacedAsync<NumaVirtualMachine>(new V1Patch(mergePatch, V1Patch.PatchType.MergePatch), "default", name);

    private static string MoveTo(string node) => "{\"metadata\":{\"labels\":{\"" + NodeLabel + "\":\"" + node + "\"}}}";

    /// <summary>a: created on n1, changed on n1, moved to n2, changed on n2, moved back to n1, deleted. b: stays on n1.</summary>
    private static async Task<(string Before, string[] Versions)> MoveAroundAsync(GenericClient vms)
    {
        var before = (await vms.ListNamespacedAsync<NumaVirtualMachineList>("default")).Metadata.ResourceVersion;
        var versions = new List<string>
        {
            (await vms.CreateNamespacedAsync(TestServer.Vm("a", labels: new Dictionary<string, string> { [NodeLabel] = "n1" }), "default")).Metadata.ResourceVersion,
            (await PatchAsync(vms, "a", """{"spec":{"cpu":{"cores":4}}}""")).Metadata.ResourceVersion,
            (await PatchAsync(vms, "a", MoveTo("n2"))).Metadata.ResourceVersion,
            (await PatchAsync(vms, "a", """{"spec":{"cpu":{"cores":6}}}""")).Metadata.ResourceVersion,
            (await PatchAsync(vms, "a", MoveTo("n1"))).Metadata.ResourceVersion,
            (await vms.CreateNamespacedAsync(TestServer.Vm("b", labels: new Dictionary<string, string> { [NodeLabel] = "n1" }), "default")).Metadata.ResourceVersion,
        };
        await vms.DeleteNamespacedAsync<NumaVirtualMachine>("default", "a");
        versions.Add((await vms.ListNamespacedAsync<NumaVirtualMachineList>("default")).Metadata.ResourceVersion);
        return (before, [.. versions]);
    }

    /// <summary>What each watcher must see of <see cref="MoveAroundAsync"/> (rv: its resourceVersions, 0-based).</summary>
    private static (Seen[] OnN1, Seen[] OnN2, Seen[] NamedA) Expected(string[] rv) =>
    (
        [
            new(WatchEventType.Added, "a", rv[0], "n1"),
            new(WatchEventType.Modified, "a", rv[1], "n1"),
            new(WatchEventType.Deleted, "a", rv[2], "n1"), // left: the previous content under the move's resourceVersion
            new(WatchEventType.Added, "a", rv[4], "n1"),
            new(WatchEventType.Added, "b", rv[5], "n1"),
            new(WatchEventType.Deleted, "a", rv[6], "n1"),
        ],
        [
            new(WatchEventType.Added, "a", rv[2], "n2"), // entered
            new(WatchEventType.Modified, "a", rv[3], "n2"),
            new(WatchEventType.Deleted, "a", rv[4], "n2"), // left again
        ],
        [
            new(WatchEventType.Added, "a", rv[0], "n1"),
            new(WatchEventType.Modified, "a", rv[1], "n1"),
            new(WatchEventType.Modified, "a", rv[2], "n2"),
            new(WatchEventType.Modified, "a", rv[3], "n2"),
            new(WatchEventType.Modified, "a", rv[4], "n1"),
            new(WatchEventType.Deleted, "a", rv[6], "n1"),
        ]);

    [Fact]
    public async Task Label_moving_in_and_out_of_a_selector_arrives_as_added_modified_and_deleted()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        var start = server.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        var onN1 = new ConcurrentQueue<Seen>();
        var onN2 = new ConcurrentQueue<Seen>();
        var namedA = new ConcurrentQueue<Seen>();
        using var n1 = await WatchAsync(client, start, onN1, labelSelector: NodeLabel + "=n1");
        using var n2 = await WatchAsync(client, start, onN2, labelSelector: NodeLabel + "=n2");
        using var a = await WatchAsync(client, start, namedA, fieldSelector: "metadata.name=a");

        var (_, rv) = await MoveAroundAsync(vms);

        var expected = Expected(rv);
        Assert.Equal(expected.OnN1, await WaitForAsync(onN1, expected.OnN1.Length));
        Assert.Equal(expected.OnN2, await WaitForAsync(onN2, expected.OnN2.Length));
        Assert.Equal(expected.NamedA, await WaitForAsync(namedA, expected.NamedA.Length));
    }

    [Fact]
    public async Task Resuming_from_a_resource_version_replays_the_same_selector_transitions()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        var (before, rv) = await MoveAroundAsync(vms);
        var expected = Expected(rv);

        var onN1 = new ConcurrentQueue<Seen>();
        var onN2 = new ConcurrentQueue<Seen>();
        var namedA = new ConcurrentQueue<Seen>();
        using (await WatchAsync(client, before, onN1, labelSelector: NodeLabel + "=n1"))
        using (await WatchAsync(client, before, onN2, labelSelector: NodeLabel + "=n2"))
        using (await WatchAsync(client, before, namedA, fieldSelector: "metadata.name=a"))
        {
            Assert.Equal(expected.OnN1, await WaitForAsync(onN1, expected.OnN1.Length));
            Assert.Equal(expected.OnN2, await WaitForAsync(onN2, expected.OnN2.Length));
            Assert.Equal(expected.NamedA, await WaitForAsync(namedA, expected.NamedA.Length));
        }

        // Resuming from the DELETED a watcher got when a left it: the move is not replayed, the return is.
        var resumed = new ConcurrentQueue<Seen>();
        using (await WatchAsync(client, rv[2], resumed, labelSelector: NodeLabel + "=n1"))
        {
            Assert.Equal(expected.OnN1[3..], await WaitForAsync(resumed, 3));
        }
    }

    [Fact]
    public async Task A_watcher_that_sees_no_change_still_gets_bookmarks_past_them_and_resumes_from_there()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        var start = server.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        var onN3 = new ConcurrentQueue<Seen>();
        using (await WatchAsync(client, start, onN3, labelSelector: NodeLabel + "=n3"))
        {
            var (_, rv) = await MoveAroundAsync(vms);
            var last = long.Parse(rv[^1], CultureInfo.InvariantCulture);
            await Eventually.HoldsAsync(() => onN3.Any(e => e.Type == WatchEventType.Bookmark && long.Parse(e.ResourceVersion, CultureInfo.InvariantCulture) >= last), TimeSpan.FromSeconds(10), "a bookmark at or past the last change", TimeSpan.FromMilliseconds(20));

            Assert.All(onN3, e => Assert.Equal(WatchEventType.Bookmark, e.Type));
        }

        var bookmark = onN3.Last().ResourceVersion;
        await PatchAsync(vms, "b", MoveTo("n3"));
        var resumed = new ConcurrentQueue<Seen>();
        using (await WatchAsync(client, bookmark, resumed, labelSelector: NodeLabel + "=n3"))
        {
            Assert.Equal([WatchEventType.Added], (await WaitForAsync(resumed, 1)).Select(e => e.Type));
        }
    }

    [Fact]
    public async Task A_watcher_without_resource_version_gets_the_selected_objects_then_their_departure()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        var created = await vms.CreateNamespacedAsync(TestServer.Vm("a", labels: new Dictionary<string, string> { [NodeLabel] = "n1" }), "default");
        var onN1 = new ConcurrentQueue<Seen>();
        using var watcher = await WatchAsync(client, null, onN1, labelSelector: NodeLabel + "=n1");
        await Eventually.HoldsAsync(() => onN1.Any(e => e.Type == WatchEventType.Added), TimeSpan.FromSeconds(10), "the watch open: its ADDED of a", TimeSpan.FromMilliseconds(20));
        var unlabelled = await PatchAsync(vms, "a", "{\"metadata\":{\"labels\":{\"" + NodeLabel + "\":null}}}");
        Assert.Equal(
            [new Seen(WatchEventType.Added, "a", created.Metadata.ResourceVersion, "n1"), new Seen(WatchEventType.Deleted, "a", unlabelled.Metadata.ResourceVersion, "n1")],
            await WaitForAsync(onN1, 2));
    }
}
