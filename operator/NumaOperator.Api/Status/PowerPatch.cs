using System.Text.Json.Nodes;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Status;

/// <summary>
/// The JSON merge patch that starts, stops or restarts a VM, as KubeVirt's start/stop/restart subresources do for its
/// run strategies: where the strategy holds the desired state (Always, Halted, spec.running) the spec changes
/// (stop: Halted or running false; start: Always or running true); where it does not (Manual; RerunOnFailure after a
/// guest poweroff; every restart) the request is recorded in the numaoperator.io/power-request annotation for the agent.
/// Pure: the request time is a parameter.
/// </summary>
public static class PowerPatch
{
    public static string For(NumaVirtualMachine vm, PowerAction action, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var spec = vm.Spec;
        var strategy = RunStrategies.Of(spec);
        var patch = new JsonObject();
        var request = new PowerRequest(action, now).ToString();
        switch (action)
        {
            case PowerAction.Stop when strategy == RunStrategies.Manual:
            case PowerAction.Start when strategy is RunStrategies.Manual or RunStrategies.RerunOnFailure || (strategy == RunStrategies.Always && spec.RunStrategy is not null):
            case PowerAction.Restart:
                patch["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [PowerRequest.Annotation] = request } };
                break;
            case PowerAction.Stop or PowerAction.Start when spec.RunStrategy is null:
                patch["spec"] = new JsonObject { ["running"] = action == PowerAction.Start };
                break;
            default:
                patch["spec"] = new JsonObject { ["runStrategy"] = action == PowerAction.Start ? RunStrategies.Always : RunStrategies.Halted };
                break;
        }

        return patch.ToJsonString();
    }
}
