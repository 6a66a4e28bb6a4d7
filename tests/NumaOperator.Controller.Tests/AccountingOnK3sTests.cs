using System.Globalization;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;
using Testcontainers.K3s;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// The placeholder pod against a real kube-scheduler and kube-apiserver (K3s): a placed VM's CPUs are no longer
/// given to pods, and they are again once the VM is gone. Needs a Docker engine; skipped with the reason otherwise.
/// </summary>
public sealed class AccountingOnK3sTests
{
    private const string Image = "rancher/k3s:v1.32.5-k3s1";

    [SkippableFact]
    public async Task On_k3s_kube_scheduler_counts_a_placed_vms_cpus_through_its_placeholder_pod()
    {
        Skip.IfNot(DockerEngine.Reachable, DockerEngine.SkipReason("the K3s kube-scheduler check of placeholder pods"));
        await using var k3s = new K3sBuilder(Image).Build();
        await k3s.StartAsync();
        using var kubeconfig = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(await k3s.GetKubeconfigAsync()));
        using var client = new Kubernetes(await KubernetesClientConfiguration.BuildConfigFromConfigFileAsync(kubeconfig));
        foreach (var file in Directory.GetFiles(RepoPaths.Combine("crds"), "*.yaml"))
        {
            foreach (var crd in KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(file)).OfType<V1CustomResourceDefinition>())
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
            }
        }

        var node = await Eventually.UntilAsync(() => client.CoreV1.ListNodeAsync(), l => l.Items.Count == 1, TimeSpan.FromSeconds(60), "the K3s node is registered");
        var nodeName = node.Items[0].Metadata.Name;
        var allocatable = node.Items[0].Status.Allocatable["cpu"].ToDecimal();
        var cpus = (int)Math.Floor(allocatable);
        Skip.If(cpus < 2, $"the K3s node offers {allocatable} CPUs; the check needs 2");
        var topologies = new GenericClient(client, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, disposeClient: false);
        await Eventually.UntilAsync(
            async () => { try { await topologies.CreateAsync(new NumaNodeTopology { Metadata = new V1ObjectMeta { Name = nodeName } }); return true; } catch (k8s.Autorest.HttpOperationException) { return false; } },
            created => created, TimeSpan.FromSeconds(60), "the NumaNodeTopology CRD is served");
        var status = new NumaNodeTopologyStatus
        {
            HeartbeatTime = DateTime.UtcNow,
            NumaNodes = [new NumaNodeStatus { Id = 0, Cpus = $"0-{cpus - 1}", MemoryBytes = 4L << 30, Distances = [10] }],
        };
        await client.CustomObjects.PatchClusterCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status }), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, nodeName);

        using var stop = new CancellationTokenSource();
        var controller = Task.Run(() => new ControllerHost(client, new ControllerHostOptions(), NullLoggerFactory.Instance).RunAsync(stop.Token));
        try
        {
            // A VM of 1 vCPU on ordinary pages: its placeholder requests cpu 1 and 64Mi of memory.
            var vms = new GenericClient(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
            var vm = new NumaVirtualMachine
            {
                Metadata = new V1ObjectMeta { Name = "vm", NamespaceProperty = "default" },
                Spec = new NumaVirtualMachineSpec { Running = true, Cpu = new CpuSpec { Cores = 1 }, Memory = new MemorySpec { Size = "64Mi" } },
            };
            await vms.CreateNamespacedAsync(vm, "default");
            await Eventually.UntilAsync(
                () => client.CoreV1.ListNamespacedPodAsync("default"), l => l.Items.Any(p => p.Spec.NodeName == nodeName && p.Status?.Phase == "Running"), TimeSpan.FromSeconds(120), "the placeholder pod runs");

            // Fits beside the system pods (well under 0.9 CPU) but not beside them and the VM's CPU too.
            var request = (allocatable - 0.9m).ToString("0.###", CultureInfo.InvariantCulture);
            await client.CoreV1.CreateNamespacedPodAsync(
                new V1Pod
                {
                    Metadata = new V1ObjectMeta { Name = "big" },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = Accounting.PlaceholderPod.DefaultImage, Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(request) } } }] },
                },
                "default");
            var pending = await Eventually.UntilAsync(
                () => client.CoreV1.ReadNamespacedPodAsync("big", "default"),
                p => p.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true,
                TimeSpan.FromSeconds(60),
                "kube-scheduler refuses the pod for lack of CPU");
            Assert.Contains("Insufficient cpu", pending.Status.Conditions.First(c => c.Type == "PodScheduled").Message, StringComparison.Ordinal);

            // The VM goes (its agent would report QEMU gone first): the placeholder goes, and the pod is scheduled.
            await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                new V1Patch("""{"status":{"phase":"Stopped"}}""", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "vm");
            await client.CustomObjects.DeleteNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, "vm");
            await Eventually.UntilAsync(
                () => client.CoreV1.ReadNamespacedPodAsync("big", "default"), p => !string.IsNullOrEmpty(p.Spec.NodeName), TimeSpan.FromSeconds(120), "the pod is scheduled once the VM is gone");
        }
        finally
        {
            await stop.CancelAsync();
            await controller.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
