using System.Text.Json.Nodes;

namespace NumaOperator.Packaging.Tests;

/// <summary>values.schema.json is strict (additionalProperties: false) and helm refuses values that break it.</summary>
public class ChartValuesSchemaTests
{
    private static string SchemaFile => Path.Combine(RenderedChart.ChartDirectory, "values.schema.json");

    [Fact]
    public void Every_object_with_named_properties_refuses_unknown_keys()
    {
        var schema = JsonNode.Parse(File.ReadAllText(SchemaFile))!.AsObject();
        var objects = new List<string>();

        Walk(schema, "$", objects);

        Assert.Contains("$", objects);
        Assert.Contains("$.controller.podDisruptionBudget", objects);
        Assert.Contains("$.agent.updateStrategy", objects);
    }

    [SkippableTheory]
    [InlineData("--set", "bogus=1", "additional properties 'bogus' not allowed")]
    [InlineData("--set", "controller.replica=3", "additional properties 'replica' not allowed")]
    [InlineData("--set", "agent.hugetlbfs=/dev/hugepages", "additional properties 'hugetlbfs' not allowed")]
    [InlineData("--set-string", "controller.replicas=two", "/controller/replicas")]
    [InlineData("--set", "controller.replicas=0", "/controller/replicas")]
    [InlineData("--set", "image.pullPolicy=Sometimes", "/image/pullPolicy")]
    [InlineData("--set", "agent.hugetlbfsMounts[0]=dev/hugepages", "/agent/hugetlbfsMounts/0")]
    [InlineData("--set", "otel.endpoint=collector:4317", "/otel/endpoint")]
    [InlineData("--set", "logging.format=xml", "/logging/format")]
    [InlineData("--set", "controller.packing=MostAllocated", "/controller/packing")]
    [InlineData("--set", "agent.qemuUser=qemu", "/agent/qemuUser")]
    [InlineData("--set", "agent.qemuUser=0:0", "/agent/qemuUser")]
    [InlineData("--set", "controller.leaderElect=false", "controller.replicas > 1 needs controller.leaderElect: true")]
    public void Helm_refuses_values_that_break_the_schema(string flag, string assignment, string expectedError)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);

        var result = RenderedChart.Template(flag, assignment);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expectedError, result.StandardError, StringComparison.Ordinal);
    }

    private static void Walk(JsonNode? node, string path, List<string> objects)
    {
        if (node is not JsonObject schema)
        {
            return;
        }

        if (schema["properties"] is JsonObject properties)
        {
            var additional = schema["additionalProperties"];
            Assert.True(
                additional is JsonValue value && !value.GetValue<bool>(),
                $"{path} names its properties but does not set additionalProperties: false");
            objects.Add(path);
            foreach (var (name, child) in properties)
            {
                Walk(child, $"{path}.{name}", objects);
            }
        }
        else if (schema["type"]?.GetValue<string>() == "object")
        {
            // A map (labels, annotations, resource quantities) or a Kubernetes type passed through unchanged.
            Assert.True(
                schema["additionalProperties"] is JsonObject || path.Contains(".affinity.", StringComparison.Ordinal),
                $"{path} is an object schema without properties; it must constrain its values with an additionalProperties schema");
        }

        Walk(schema["items"], path + "[]", objects);
        if (schema["additionalProperties"] is JsonObject valueSchema)
        {
            Walk(valueSchema, path + ".*", objects);
        }

        foreach (var keyword in new[] { "anyOf", "oneOf", "allOf" })
        {
            if (schema[keyword] is JsonArray alternatives)
            {
                foreach (var alternative in alternatives)
                {
                    Walk(alternative, path, objects);
                }
            }
        }
    }
}
