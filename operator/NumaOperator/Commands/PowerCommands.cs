using System.CommandLine;
using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;
using NumaOperator.Cli.Hosting;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// <c>numa-operator start|stop|restart NAMESPACE/NAME</c>: KubeVirt's virtctl start/stop/restart for a
/// NumaVirtualMachine. It reads the VM and sends the one merge patch <see cref="PowerPatch"/> chooses for its run
/// strategy (spec for Always/Halted/running, the numaoperator.io/power-request annotation for Manual, RerunOnFailure
/// and restarts), with the VM's resourceVersion so a concurrent change is not overwritten. The agent does the rest.
/// </summary>
public abstract class PowerCommand(PowerAction action, string verb, int order, string what) : ICliCommand
{
    public int Order => order;

    public Command Build()
    {
        var vm = new Argument<string>("NAMESPACE/NAME") { Description = "The NumaVirtualMachine, e.g. default/db1" };
        var command = new Command(verb, what + "\n" +
            "Always/Halted/spec.running VMs get their spec changed (stop: runStrategy Halted or running false; start: Always\n" +
            "or running true); Manual and RerunOnFailure VMs, and every restart, get the numaoperator.io/power-request\n" +
            "annotation (\"ACTION TIME\"), which the node's agent acts on. It returns once the API server stored the change.\n" +
            "Exit codes:\n" +
            "  0  the change was stored\n" +
            "  1  runtime failure: the API server is unreachable or refused it, or the VM does not exist\n" +
            "  2  bad input: the argument is not NAMESPACE/NAME, or no kubeconfig/context");
        command.Arguments.Add(vm);
        var cluster = ClusterOptions.AddTo(command);
        command.SetAction(async (parseResult, ct) =>
        {
            var reference = VmReference.Parse(parseResult.GetValue(vm));
            var configuration = cluster.Load(parseResult);
            var patch = await SendAsync(configuration, reference, ct);
            await Console.Out.WriteLineAsync($"{reference.Namespace}/{reference.Name}: {verb} requested ({patch})");
            return ExitCodes.Success;
        });
        return command;
    }

    private async Task<string> SendAsync(KubernetesClientConfiguration configuration, VmReference reference, CancellationToken ct)
    {
        var server = configuration.Host;
        using var client = ClusterProcess.Client(configuration);
        using var vms = new GenericClient(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
        return await ApiFailures.RunAsync(server, ApiFailures.VmNotFound(reference), async () =>
        {
            var current = await vms.ReadNamespacedAsync<NumaVirtualMachine>(reference.Namespace, reference.Name, ct);
            var patch = PowerPatch.For(current, action, DateTime.UtcNow);
            var guarded = System.Text.Json.Nodes.JsonNode.Parse(patch)!.AsObject();
            var metadata = guarded["metadata"] as System.Text.Json.Nodes.JsonObject ?? [];
            metadata["resourceVersion"] = current.Metadata.ResourceVersion;
            guarded["metadata"] = metadata;
            await client.CustomObjects.PatchNamespacedCustomObjectAsync(
                new V1Patch(guarded.ToJsonString(), V1Patch.PatchType.MergePatch),
                ApiGroup.Group, ApiGroup.Version, reference.Namespace, NumaVirtualMachine.Plural, reference.Name, cancellationToken: ct);
            return patch;
        }, ct);
    }
}

public sealed class StartCommand() : PowerCommand(PowerAction.Start, "start", 26, "Start a NumaVirtualMachine (as virtctl start).");

public sealed class StopCommand() : PowerCommand(PowerAction.Stop, "stop", 27, "Stop a NumaVirtualMachine (as virtctl stop): its QEMU gets an ACPI powerdown, then quit, then SIGKILL.");

public sealed class RestartCommand() : PowerCommand(PowerAction.Restart, "restart", 28, "Restart a NumaVirtualMachine's QEMU (as virtctl restart): the agent stops it and starts it again.");
