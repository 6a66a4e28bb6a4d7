using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using NumaOperator.Api.Crds;
using NumaOperator.ApiServer.Schema;
using NumaOperator.Tests.Shared;

namespace NumaOperator.ApiServer.Tests.Schema;

/// <summary>
/// The real kubectl reads our OpenAPI v3 documents: a minimal HTTP endpoint serves discovery and the documents (and
/// nothing else), and `kubectl explain` must print the CRD's descriptions and enums from them.
/// </summary>
public sealed class KubectlExplainTests : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly string workDir = Directory.CreateTempSubdirectory("numaop-explain-").FullName;
    private readonly Task serving;
    private readonly string kubeconfig;

    public KubectlExplainTests()
    {
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        serving = Task.Run(ServeAsync);
        kubeconfig = Path.Combine(workDir, "kubeconfig");
        File.WriteAllText(kubeconfig, $$$"""
            apiVersion: v1
            kind: Config
            clusters: [{name: stub, cluster: {server: "http://127.0.0.1:{{{port}}}"}}]
            contexts: [{name: stub, context: {cluster: stub}}]
            current-context: stub
            users: []
            """);
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener's GetContextAsync fails once it is stopped; nothing to clean up.
        }

        Directory.Delete(workDir, recursive: true);
    }

    [SkippableTheory]
    [InlineData("nvm.spec.memory.hugepages", "Back guest RAM with hugepages", "enum: 2Mi, 1Gi")]
    [InlineData("numavirtualmachine.spec.numa", "guestNodes", "enum: Strict, Preferred")]
    [InlineData("nvm.status.numastat", "numa_maps", "localRatio")]
    [InlineData("nnt.status.numaNodes", "Online host NUMA nodes", "distances")]
    public void Kubectl_explain_prints_the_crd_descriptions(string path, string expected1, string expected2)
    {
        var kubectl = HostCapabilities.FindOnPath("kubectl");
        Skip.If(kubectl is null, "kubectl is not on PATH (CI installs kubectl 1.32)");
        var (exitCode, output) = Run(kubectl!, "explain", path);
        Assert.True(exitCode == 0, output);
        Assert.Contains("GROUP:      numaoperator.io", output, StringComparison.Ordinal);
        Assert.Contains(expected1, output, StringComparison.Ordinal);
        Assert.Contains(expected2, output, StringComparison.Ordinal);
    }

    private (int ExitCode, string Output) Run(string kubectl, params string[] args)
    {
        var start = new ProcessStartInfo(kubectl) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["KUBECONFIG"] = kubeconfig;
        start.Environment["HOME"] = workDir; // kubectl's discovery cache goes here, not into the real home
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private async Task ServeAsync()
    {
        var documents = OpenApiV3Documents.FromCrds(NumaOperatorCrds.All());
        var routes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["/version"] = """{"major": "1", "minor": "32", "gitVersion": "v1.32.0"}""",
            ["/api"] = """{"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}""",
            ["/api/v1"] = """{"kind": "APIResourceList", "groupVersion": "v1", "resources": []}""",
            ["/apis"] = """{"kind": "APIGroupList", "apiVersion": "v1", "groups": [{"name": "numaoperator.io", "versions": [{"groupVersion": "numaoperator.io/v1alpha1", "version": "v1alpha1"}], "preferredVersion": {"groupVersion": "numaoperator.io/v1alpha1", "version": "v1alpha1"}}]}""",
            ["/apis/numaoperator.io/v1alpha1"] = ResourceList(),
            ["/openapi/v3"] = documents.IndexJson,
        };
        foreach (var (path, json) in documents.Documents)
        {
            routes["/openapi/v3/" + path] = json;
        }

        while (listener.IsListening)
        {
            var context = await listener.GetContextAsync().ConfigureAwait(false);
            var found = routes.TryGetValue(context.Request.Url!.AbsolutePath, out var body);
            context.Response.StatusCode = found ? 200 : 404;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body ?? """{"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404, "reason": "NotFound"}""");
            await context.Response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            context.Response.Close();
        }
    }

    private static string ResourceList()
    {
        var resources = new JsonArray();
        foreach (var crd in NumaOperatorCrds.All())
        {
            var names = crd.Spec.Names;
            resources.Add(new JsonObject
            {
                ["name"] = names.Plural,
                ["singularName"] = names.Singular,
                ["namespaced"] = crd.Spec.Scope == "Namespaced",
                ["kind"] = names.Kind,
                ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
                ["shortNames"] = new JsonArray([.. names.ShortNames.Select(s => (JsonNode)s)]),
                ["categories"] = new JsonArray([.. names.Categories.Select(c => (JsonNode)c)]),
            });
        }

        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = "numaoperator.io/v1alpha1", ["resources"] = resources }.ToJsonString();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
