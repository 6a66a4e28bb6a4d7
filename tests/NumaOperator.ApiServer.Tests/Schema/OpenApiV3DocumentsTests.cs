using System.Text.Json.Nodes;
using NumaOperator.Api.Crds;
using NumaOperator.ApiServer.Schema;

namespace NumaOperator.ApiServer.Tests.Schema;

public class OpenApiV3DocumentsTests
{
    private const string GroupVersionPath = "apis/numaoperator.io/v1alpha1";

    private static readonly OpenApiV3Documents Docs = OpenApiV3Documents.FromCrds(NumaOperatorCrds.All());

    private static JsonObject Document => JsonNode.Parse(Docs.Documents[GroupVersionPath])!.AsObject();

    [Fact]
    public void The_index_points_at_the_group_version_document_with_a_content_hash()
    {
        var index = JsonNode.Parse(Docs.IndexJson)!.AsObject();
        var url = index["paths"]![GroupVersionPath]!["serverRelativeURL"]!.GetValue<string>();
        Assert.StartsWith("/openapi/v3/" + GroupVersionPath + "?hash=", url, StringComparison.Ordinal);
        Assert.Equal(OpenApiV3Documents.FromCrds(NumaOperatorCrds.All()).IndexJson, Docs.IndexJson);

        var changed = NumaOperatorCrds.All();
        changed[1].Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Description = "changed";
        Assert.NotEqual(Docs.IndexJson, OpenApiV3Documents.FromCrds(changed).IndexJson);
    }

    [Theory]
    [InlineData("io.numaoperator.v1alpha1.NumaVirtualMachine", "NumaVirtualMachine")]
    [InlineData("io.numaoperator.v1alpha1.NumaVirtualMachineList", "NumaVirtualMachineList")]
    [InlineData("io.numaoperator.v1alpha1.NumaNodeTopology", "NumaNodeTopology")]
    public void Schemas_carry_their_group_version_kind(string schemaName, string kind)
    {
        var gvk = Document["components"]!["schemas"]![schemaName]!["x-kubernetes-group-version-kind"]!.AsArray().Single()!;
        Assert.Equal("numaoperator.io", gvk["group"]!.GetValue<string>());
        Assert.Equal("v1alpha1", gvk["version"]!.GetValue<string>());
        Assert.Equal(kind, gvk["kind"]!.GetValue<string>());
    }

    [Fact]
    public void Explain_can_walk_to_hugepages_and_metadata_resolves()
    {
        var schemas = Document["components"]!["schemas"]!;
        var vm = schemas["io.numaoperator.v1alpha1.NumaVirtualMachine"]!;
        var hugepages = vm["properties"]!["spec"]!["properties"]!["memory"]!["properties"]!["hugepages"]!;
        Assert.Contains("hugepages", hugepages["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("object", hugepages["type"]!.GetValue<string>());

        var reference = vm["properties"]!["metadata"]!["allOf"]![0]!["$ref"]!.GetValue<string>();
        Assert.StartsWith("#/components/schemas/", reference, StringComparison.Ordinal);
        Assert.NotNull(schemas[reference["#/components/schemas/".Length..]]);
    }

    [Fact]
    public void Every_ref_resolves_inside_the_document()
    {
        var text = Docs.Documents[GroupVersionPath];
        var schemas = Document["components"]!["schemas"]!.AsObject();
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, "\"#/components/schemas/([^\"]+)\""))
        {
            Assert.True(schemas.ContainsKey(m.Groups[1].Value), $"dangling $ref {m.Groups[1].Value}");
        }
    }

    [Theory]
    [InlineData("/apis/numaoperator.io/v1alpha1/namespaces/{namespace}/numavirtualmachines/{name}", "NumaVirtualMachine")]
    [InlineData("/apis/numaoperator.io/v1alpha1/numanodetopologies/{name}", "NumaNodeTopology")]
    public void Patch_operations_declare_fieldValidation_so_kubectl_leaves_validation_to_the_server(string path, string kind)
    {
        var patch = Document["paths"]![path]!["patch"]!;
        Assert.Equal(kind, patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation");
    }

    [Fact]
    public void Status_subresource_and_all_namespaces_list_have_paths()
    {
        var paths = Document["paths"]!.AsObject();
        Assert.True(paths.ContainsKey("/apis/numaoperator.io/v1alpha1/namespaces/{namespace}/numavirtualmachines/{name}/status"));
        Assert.True(paths.ContainsKey("/apis/numaoperator.io/v1alpha1/numavirtualmachines"));
        Assert.True(paths.ContainsKey("/apis/numaoperator.io/v1alpha1/numanodetopologies/{name}/status"));
        Assert.False(paths.ContainsKey("/apis/numaoperator.io/v1alpha1/namespaces/{namespace}/numanodetopologies"));
    }
}
