using k8s;
using k8s.Models;
using NumaOperator.Tests.Shared;
using Testcontainers.K3s;

namespace NumaOperator.ApiServer.Tests;

/// <summary>
/// The shared client flows against a real K3s with crds/ installed: the embedded server must behave like it.
/// Needs a Docker engine; skipped with the reason where none is reachable.
/// </summary>
public sealed class K3sFlowTests
{
    private const string Image = "rancher/k3s:v1.32.5-k3s1";

    [SkippableFact]
    public async Task Shared_flows_pass_on_k3s()
    {
        Skip.IfNot(DockerEngine.Reachable, DockerEngine.SkipReason("the K3s comparison"));
        var crdFiles = Directory.Exists(RepoPaths.Combine("crds")) ? Directory.GetFiles(RepoPaths.Combine("crds"), "*.yaml") : [];
        Skip.If(crdFiles.Length == 0, "crds/ holds no CRD YAML yet");

        await using var k3s = new K3sBuilder(Image).Build();
        await k3s.StartAsync();
        using var kubeconfig = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(await k3s.GetKubeconfigAsync()));
        using var client = new Kubernetes(await KubernetesClientConfiguration.BuildConfigFromConfigFileAsync(kubeconfig));

        foreach (var file in crdFiles)
        {
            foreach (var crd in KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(file)).OfType<V1CustomResourceDefinition>())
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
                await WaitEstablishedAsync(client, crd.Metadata.Name);
            }
        }

        await ClientFlows.CrudGenerationAndStatusAsync(client, "default");
        await ClientFlows.FinalizersAsync(client, "default");
        await ClientFlows.BadInputsAsync(client, "default");
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
