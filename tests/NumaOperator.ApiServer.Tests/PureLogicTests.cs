using System.Text.Json.Nodes;
using NumaOperator.ApiServer.Http;
using NumaOperator.ApiServer.Json;
using NumaOperator.ApiServer.Selection;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.ApiServer.Tests;

/// <summary>The pure pieces: selectors, patches, JSONPath cells and ages.</summary>
public sealed class PureLogicTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["tier"] = "db", ["zone"] = "a" };

    [Theory]
    [InlineData("", true)]
    [InlineData("tier=db", true)]
    [InlineData("tier==db", true)]
    [InlineData("tier!=db", false)]
    [InlineData("tier in (db, web)", true)]
    [InlineData("tier notin (db)", false)]
    [InlineData("zone", true)]
    [InlineData("!zone", false)]
    [InlineData("!missing", true)]
    [InlineData("tier=db,zone in (b,c)", false)]
    [InlineData("missing!=x", true)]
    public void Label_selector_matches_as_kubernetes(string selector, bool matches) =>
        Assert.Equal(matches, LabelSelector.Parse(selector).Matches(Labels));

    [Theory]
    [InlineData("tier in db")]
    [InlineData("tier=db,,zone=a")]
    [InlineData("(x)")]
    public void Malformed_label_selectors_are_rejected(string selector) =>
        Assert.Throws<FormatException>(() => LabelSelector.Parse(selector));

    [Fact]
    public void Field_selector_supports_name_and_namespace_only()
    {
        Assert.True(FieldSelector.Parse("metadata.name=a,metadata.namespace!=b").Matches("default", "a"));
        Assert.False(FieldSelector.Parse("metadata.name==a").Matches("default", "b"));
        Assert.Throws<FormatException>(() => FieldSelector.Parse("spec.x=1"));
    }

    [Fact]
    public void Merge_patch_merges_objects_replaces_lists_and_removes_nulls()
    {
        var target = JsonNode.Parse("""{"a":{"b":1,"c":2},"l":[1,2],"d":3}""");
        var patched = MergePatch.Apply(target, JsonNode.Parse("""{"a":{"b":9,"c":null},"l":[3],"d":null,"e":"x"}"""));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":{"b":9},"l":[3],"e":"x"}"""), patched));
    }

    [Fact]
    public void Json_patch_applies_every_operation_and_fails_on_a_test_mismatch()
    {
        var doc = JsonNode.Parse("""{"a":[1,2],"b":{"c":1}}""");
        var ops = JsonNode.Parse("""
            [{"op":"add","path":"/a/-","value":3},{"op":"remove","path":"/a/0"},{"op":"replace","path":"/b/c","value":2},
             {"op":"copy","from":"/b","path":"/d"},{"op":"move","from":"/d/c","path":"/e"},{"op":"test","path":"/e","value":2},
             {"op":"add","path":"/f~1g","value":true}]
            """)!.AsArray();
        var patched = JsonPatch.Apply(doc, ops);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":[2,3],"b":{"c":2},"d":{},"e":2,"f/g":true}"""), patched), patched!.ToJsonString());
        Assert.Throws<FormatException>(() => JsonPatch.Apply(patched, JsonNode.Parse("""[{"op":"test","path":"/e","value":3}]""")!.AsArray()));
        Assert.Throws<FormatException>(() => JsonPatch.Apply(patched, JsonNode.Parse("""[{"op":"remove","path":"/nope"}]""")!.AsArray()));
    }

    [Theory]
    [InlineData(".status.phase", "\"Running\"")]
    [InlineData(".status.conditions[?(@.type==\"Ready\")].status", "\"True\"")]
    [InlineData(".status.placement.guestNodes[*].hostNode", "1")]
    [InlineData(".status.placement.guestNodes[1].hostNode", "3")]
    [InlineData(".status.missing.deeper", "null")]
    public void Printer_column_paths_evaluate_like_the_real_server(string path, string expected)
    {
        var obj = JsonNode.Parse("""
            {"status":{"phase":"Running","conditions":[{"type":"Scheduled","status":"False"},{"type":"Ready","status":"True"}],
             "placement":{"guestNodes":[{"hostNode":1},{"hostNode":3}]}}}
            """);
        Assert.Equal(expected, PrinterColumnPath.Evaluate(obj, path)?.ToJsonString() ?? "null");
    }

    [Theory]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(150, "2m30s")]
    [InlineData(600, "10m")]
    [InlineData(4 * 3600 + 120, "4h2m")]
    [InlineData(30 * 3600, "30h")]
    [InlineData(3 * 86400 + 7200, "3d2h")]
    [InlineData(100 * 86400, "100d")]
    [InlineData(3 * 365 * 86400 + 86400 * 10, "3y10d")]
    public void Ages_print_like_kubectl(int seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));
}
