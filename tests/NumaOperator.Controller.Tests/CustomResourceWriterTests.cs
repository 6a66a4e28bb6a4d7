using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Tests;

/// <summary>The requests CustomResourceWriter sends, read off the wire of the real KubernetesClient.</summary>
public sealed class CustomResourceWriterTests : IDisposable
{
    private readonly RecordingHandler wire = new();
    private readonly Kubernetes client;
    private readonly CustomResourceWriter<NumaVirtualMachine> writer;

    public CustomResourceWriterTests()
    {
        client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" }, wire);
        writer = new CustomResourceWriter<NumaVirtualMachine>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural);
    }

    public void Dispose() => client.Dispose();

    [Fact]
    public async Task A_status_patch_names_only_the_changed_status_fields_clears_removed_ones_and_carries_the_resource_version()
    {
        var current = ControllerFixture.Vm("writer-vm");
        current.Metadata.ResourceVersion = "41";
        var seen = new DateTime(2026, 12, 5, 10, 0, 0, 500, DateTimeKind.Utc); // KubernetesClient writes microseconds (RFC 3339)
        current.Status = new NumaVirtualMachineStatus
        {
            Phase = "Pending",
            NodeName = "node-a",
            Conditions = [new V1Condition { Type = "Scheduled", Status = "False", Reason = "Waiting", Message = "m", LastTransitionTime = seen }],
        };
        var desired = ObjectKey.Clone(current);
        desired.Status!.Phase = "Scheduled";
        desired.Status.NodeName = null;
        desired.Status.Conditions![0].Status = "True";

        await writer.PatchStatusAsync(current, desired, CancellationToken.None);

        Assert.Equal(HttpMethod.Patch, wire.Method);
        Assert.EndsWith($"/namespaces/default/{NumaVirtualMachine.Plural}/writer-vm/status", wire.Path, StringComparison.Ordinal);
        var expected = JsonNode.Parse("""
            {"status":{"phase":"Scheduled","nodeName":null,
              "conditions":[{"lastTransitionTime":"2026-12-05T10:00:00.500000Z","message":"m","reason":"Waiting","status":"True","type":"Scheduled"}]},
             "metadata":{"resourceVersion":"41"}}
            """);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(wire.Body!)), wire.Body);
    }

    [Fact]
    public async Task An_unchanged_status_sends_no_request()
    {
        var current = ControllerFixture.Vm("writer-vm");
        current.Status = new NumaVirtualMachineStatus { Phase = "Pending" };

        var written = await writer.PatchStatusAsync(current, ObjectKey.Clone(current), CancellationToken.None);

        Assert.Null(written);
        Assert.Null(wire.Method);
    }

    /// <summary>Answers every request with the object it was sent, as the server would return it, and keeps the last one.</summary>
    private sealed class RecordingHandler : DelegatingHandler
    {
        public HttpMethod? Method { get; private set; }

        public string Path { get; private set; } = string.Empty;

        public string? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            (Method, Path) = (request.Method, request.RequestUri!.AbsolutePath);
            Body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            var answer = KubernetesJson.Serialize(ControllerFixture.Vm("writer-vm"));
            return new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent(answer, Encoding.UTF8, "application/json") };
        }
    }
}
