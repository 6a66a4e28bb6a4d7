using k8s;
using k8s.Models;
using NumaOperator.Tests.Shared;
using Testcontainers.K3s;

namespace NumaOperator.BadInput.Tests;

/// <summary>
/// The corpus against a real API server: K3s with crds/ installed and the controller running. Each manifest must stop
/// at its "cluster" surface (CEL rules reject at apply time; the validation core's own rules stall). Needs Docker;
/// skipped with the reason where none is reachable.
/// </summary>
public sealed class K3sCorpusTests
{
    private const string Image = "rancher/k3s:v1.32.5-k3s1";

    [SkippableFact]
    public async Task Every_manifest_stops_at_its_cluster_surface()
    {
        Skip.IfNot(DockerEngine.Reachable, DockerEngine.SkipReason("the K3s run of the bad-input corpus"));
        await using var k3s = new K3sBuilder(Image).Build();
        await k3s.StartAsync();
        using var kubeconfig = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(await k3s.GetKubeconfigAsync()));
        var client = new Kubernetes(await KubernetesClientConfiguration.BuildConfigFromConfigFileAsync(kubeconfig));
        foreach (var file in Directory.GetFiles(RepoPaths.Combine("crds"), "*.yaml"))
        {
            foreach (var crd in KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(file)).OfType<V1CustomResourceDefinition>())
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
                await WaitEstablishedAsync(client, crd.Metadata.Name);
            }
        }

        await using var env = await EmbeddedEnvironment.StartOnAsync(client);
        var failures = new List<string>();
        foreach (var entry in Corpus.Entries.Where(e => e.Cluster != Surfaces.Preflight))
        {
            try
            {
                await CorpusChecks.AssertStopsAsync(env, entry, entry.Cluster, entry.ClusterApi ?? entry.Api, entry.Core);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures.Add($"{entry.File}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private static async Task WaitEstablishedAsync(Kubernetes client, string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var crd = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name, cancellationToken: timeout.Token);
            if (crd.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true)
            {
                return;
            }

            await Task.Delay(200, timeout.Token);
        }
    }
}
