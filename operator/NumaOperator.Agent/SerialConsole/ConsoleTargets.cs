using System.Net;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Agent.SerialConsole;

/// <summary>A VM of this node the endpoint serves, or why it cannot (status and message to answer).</summary>
public sealed record ConsoleTarget(Guid Uid, VmStatePaths State, HttpStatusCode Status, string Message)
{
    public bool Found => Status == HttpStatusCode.OK;
}

/// <summary>Finds the VM a route names among the VMs placed on this node (the agent's informer cache).</summary>
public sealed class ConsoleTargets(ObjectCache<NumaVirtualMachine> vms, IVmRuntime runtime, string nodeName)
{
    public ConsoleTarget Resolve(ConsoleRoute route)
    {
        ArgumentNullException.ThrowIfNull(route);
        var vm = vms.Get(ObjectKeys.Of(route.Namespace, route.Name, clusterScoped: false));
        var name = $"NumaVirtualMachine {route.Namespace}/{route.Name}";
        if (vm is null || !Guid.TryParse(vm.Metadata.Uid, out var uid))
        {
            return Refused(HttpStatusCode.NotFound, $"{name} is not placed on node {nodeName} (it does not exist, or another node's agent runs it: see its status.nodeName)");
        }

        var state = runtime.StatePaths(uid);
        if (route.Subresource == ConsoleSubresource.Log)
        {
            return Directory.Exists(state.Directory)
                ? new ConsoleTarget(uid, state, HttpStatusCode.OK, "found")
                : Refused(HttpStatusCode.NotFound, $"{name} has no serial log on node {nodeName}: it has not been started here");
        }

        return runtime.RunningPid(uid) is null
            ? Refused(HttpStatusCode.Conflict, $"{name} is not running on node {nodeName} (phase {vm.Status?.Phase ?? "unknown"}): there is no console to attach to")
            : new ConsoleTarget(uid, state, HttpStatusCode.OK, "found");
    }

    private static ConsoleTarget Refused(HttpStatusCode status, string message) => new(Guid.Empty, new VmStatePaths(string.Empty), status, message);
}
