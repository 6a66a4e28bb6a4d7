using System.Text;
using System.Text.Json.Nodes;
using NumaOperator.ApiServer.Selection;
using NumaOperator.ApiServer.Storage;

namespace NumaOperator.ApiServer.Tests;

/// <summary>The pure rule of what one selector-filtered watcher sees of a change (the real server's cacheWatcher).</summary>
public sealed class WatchSelectionTests
{
    private static readonly LabelSelector OnN1 = LabelSelector.Parse("node=n1");

    private static bool Selected(StoredObject obj) => OnN1.Matches(obj.Labels);

    private static StoredObject Vm(long rv, string? node)
    {
        var labels = node is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["node"] = node };
        var json = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = "a",
                ["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))),
            },
        };
        return new StoredObject("vms", "default", "a", rv, Encoding.UTF8.GetBytes(json.ToJsonString()), labels);
    }

    [Theory]
    [InlineData("n1", "n1", ChangeType.Modified)]
    [InlineData("n2", "n1", ChangeType.Added)]
    [InlineData(null, "n1", ChangeType.Added)]
    [InlineData("n1", "n2", ChangeType.Deleted)]
    [InlineData("n1", null, ChangeType.Deleted)]
    [InlineData("n2", "n3", null)]
    public void An_update_is_judged_before_and_after(string? before, string? after, ChangeType? seen)
    {
        var change = new StoredEvent(ChangeType.Modified, Vm(8, after), Vm(5, before));
        Assert.Equal(seen, WatchSelection.Select(change, Selected)?.Type);
    }

    [Fact]
    public void Leaving_carries_the_previous_content_under_the_changes_resource_version()
    {
        var change = new StoredEvent(ChangeType.Modified, Vm(8, "n2"), Vm(5, "n1"));
        var seen = WatchSelection.Select(change, Selected)!;
        Assert.Equal(ChangeType.Deleted, seen.Type);
        Assert.Equal(8, seen.Stored.ResourceVersion);
        var metadata = JsonNode.Parse(seen.Stored.Json)!["metadata"]!;
        Assert.Equal("8", metadata["resourceVersion"]!.GetValue<string>());
        Assert.Equal("n1", metadata["labels"]!["node"]!.GetValue<string>());
        Assert.Same(seen.Stored, WatchSelection.Select(change, Selected)!.Stored); // built once for every watcher
    }

    [Fact]
    public void A_create_counts_only_the_new_state_and_a_delete_only_the_old_one()
    {
        Assert.Equal(ChangeType.Added, WatchSelection.Select(new StoredEvent(ChangeType.Added, Vm(3, "n1")), Selected)?.Type);
        Assert.Null(WatchSelection.Select(new StoredEvent(ChangeType.Added, Vm(3, "n2")), Selected));
        Assert.Equal(ChangeType.Deleted, WatchSelection.Select(new StoredEvent(ChangeType.Deleted, Vm(9, "n2"), Vm(8, "n1")), Selected)?.Type);
        Assert.Null(WatchSelection.Select(new StoredEvent(ChangeType.Deleted, Vm(9, "n1"), Vm(8, "n2")), Selected));
    }
}
