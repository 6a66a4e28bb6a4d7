using System.Text.Json.Nodes;
using NumaOperator.Api.Crds;
using NumaOperator.ApiServer.Admission;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Tests.Schema;

/// <summary>The VM rules a schema cannot express, judged on creates and on the updates that change what they read.</summary>
public class NumaVirtualMachineAdmissionTests
{
    private static readonly ResourceKind Kind = CustomResourceKinds.FromDefinition(NumaOperatorCrds.NumaVirtualMachineCrd()).Single();

    private static JsonObject Vm(string labels, string spec = """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}}""") => JsonNode.Parse($$"""
        {"apiVersion": "numaoperator.io/v1alpha1", "kind": "NumaVirtualMachine",
         "metadata": {"name": "db1", "namespace": "default", "labels": {{labels}}}, "spec": {{spec}} }
        """)!.AsObject();

    private static IReadOnlyList<string> Admit(JsonObject candidate, JsonObject? current) =>
        [.. new NumaVirtualMachineAdmission().Admit(Kind, candidate, current, new List<string>()).Select(e => e.Path)];

    [Fact]
    public void An_update_leaving_spec_labels_and_annotations_as_they_were_is_not_judged_again_but_one_changing_them_is()
    {
        // A label key the rules refuse, stored before they did: the real server ratchets unchanged fields.
        var stored = Vm("""{"bad key": "x"}""");
        var statusWrite = (JsonObject)stored.DeepClone();
        statusWrite["status"] = JsonNode.Parse("""{"nodeName": "node-a"}""");
        var finalizerWrite = (JsonObject)stored.DeepClone();
        finalizerWrite["metadata"]!["finalizers"] = new JsonArray("numaoperator.io/placement");
        var labelWrite = Vm("""{"bad key": "x", "tier": "db"}""");
        var specWrite = Vm("""{"bad key": "x"}""", """{"cpu": {"cores": 2}, "memory": {"size": "1Gi"}}""");

        Assert.Empty(Admit(statusWrite, stored));
        Assert.Empty(Admit(finalizerWrite, stored));
        Assert.Contains("metadata.labels", Admit(labelWrite, stored));
        Assert.Contains("metadata.labels", Admit(specWrite, stored));
        Assert.Contains("metadata.labels", Admit(stored, current: null)); // a create
    }
}
