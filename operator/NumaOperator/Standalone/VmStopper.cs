using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Cli.Standalone;

/// <summary>--stop-vms-on-exit: stops (PowerPatch: runStrategy Halted, running false or a Manual stop request) the VMs of this host and waits until their QEMU is gone.</summary>
public static class VmStopper
{
    /// <summary>Phases in which a QEMU of the VM may be alive.</summary>
    public static bool MayRun(NumaVirtualMachine vm) => vm.Status?.Phase is VmConditions.PhaseStarting or VmConditions.PhaseRunning or VmConditions.PhaseStopping;

    /// <summary>VMs of this node (placed here) whose QEMU may still run, or that are about to start.</summary>
    public static IReadOnlyList<NumaVirtualMachine> Ours(IEnumerable<NumaVirtualMachine> vms, string nodeName) =>
        [.. vms.Where(v => v.Status?.NodeName == nodeName || (v.Metadata.Labels is { } labels && labels.TryGetValue(ApiGroup.NodeLabel, out var node) && node == nodeName))];

    public static async Task StopAsync(IKubernetes client, VmWatch watch, string nodeName, TextWriter output, CancellationToken ct)
    {
        var targets = Ours(watch.Snapshot().Values, nodeName).Where(RunStrategies.WantsRunning).ToList();
        foreach (var vm in targets)
        {
            var patch = PowerPatch.For(vm, PowerAction.Stop, DateTime.UtcNow);
            var how = vm.Spec.RunStrategy switch
            {
                null => "spec.running=false",
                RunStrategies.Manual => PowerRequest.Annotation + " Stop",
                _ => "spec.runStrategy=Halted",
            };
            await output.WriteLineAsync($"stopping {vm.Key} ({how})");
            try
            {
                await client.CustomObjects.PatchNamespacedCustomObjectAsync(
                    new V1Patch(patch, V1Patch.PatchType.MergePatch),
                    ApiGroup.Group, ApiGroup.Version, vm.Metadata.NamespaceProperty, NumaVirtualMachine.Plural, vm.Metadata.Name, cancellationToken: ct);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
            }
        }

        await watch.WaitUntilAsync(vms => Ours(vms.Values, nodeName).Any(MayRun) ? null : string.Empty, ct);
        foreach (var vm in targets)
        {
            await output.WriteLineAsync($"stopped {vm.Key}");
        }
    }
}
