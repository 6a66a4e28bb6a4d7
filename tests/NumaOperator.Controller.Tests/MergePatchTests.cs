using System.Text.Json.Nodes;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Tests;

public sealed class MergePatchTests
{
    [Fact]
    public void Equal_objects_give_no_patch() =>
        Assert.Null(MergePatch.Diff(JsonNode.Parse("""{"a":1,"b":[1,2]}""")!.AsObject(), JsonNode.Parse("""{"a":1,"b":[1,2]}""")!.AsObject()));

    [Fact]
    public void Removed_fields_become_explicit_nulls_and_lists_are_sent_whole()
    {
        var before = JsonNode.Parse("""{"status":{"nodeName":"n1","placement":{"x":1},"conditions":[{"type":"A"},{"type":"B"}]}}""")!.AsObject();
        var after = JsonNode.Parse("""{"status":{"conditions":[{"type":"A"},{"type":"C"}]}}""")!.AsObject();
        var patch = MergePatch.Diff(before, after)!;
        Assert.Equal("""{"status":{"conditions":[{"type":"A"},{"type":"C"}],"nodeName":null,"placement":null}}""", patch.ToJsonString());
    }
}
