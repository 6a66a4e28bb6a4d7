using System.CommandLine;
using k8s;
using NumaOperator.Cli.Explaining;
using NumaOperator.Cli.Hosting;
using NumaOperator.Cli.Migrating;
using NumaOperator.Cli.Rendering;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// <c>numa-operator drain NODE</c>: asks the controller to evacuate a node (NumaNodeTopology spec.evacuate) and
/// cordons its Node, then shows the VMs still on it until none is left, or only blocked ones are.
/// </summary>
public sealed class DrainCommand : ICliCommand
{
    public const string HelpText =
        "Evacuate a node for maintenance (a kernel update, a reboot): sets spec.evacuate on its NumaNodeTopology and\n" +
        "cordons its Kubernetes Node (spec.unschedulable, when a Node object exists), so no new VM or migration target\n" +
        "lands there; the controller then live-migrates its VMs with spec.evictionStrategy LiveMigrate elsewhere, a few\n" +
        "at a time (controller --parallel-migrations-per-cluster, --parallel-outbound-migrations-per-node). VMs with\n" +
        "evictionStrategy None stay and are reported blocked. Waits with a live list until no VM is left on the node.\n" +
        "`numa-operator uncordon NODE` undoes both.\n" +
        "Exit codes:\n" +
        "  0  the node holds no VM any more (with --no-wait: the evacuation was requested)\n" +
        "  1  runtime failure: only blocked VMs are left (named), the node has no NumaNodeTopology, or the API server\n" +
        "     is unreachable or refused the request\n" +
        "  2  bad input: NODE is not a node name, or no kubeconfig/context";

    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    public int Order => 30;

    public Command Build()
    {
        var node = new Argument<string>("NODE") { Description = "The node to evacuate, as its NumaNodeTopology and Node are named" };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the evacuation is requested" };
        var command = new Command("drain", HelpText);
        command.Arguments.Add(node);
        command.Options.Add(noWait);
        var cluster = ClusterOptions.AddTo(command);
        command.SetAction(async (parseResult, ct) =>
        {
            var name = NodeArgument.Parse(parseResult.GetValue(node));
            var configuration = cluster.Load(parseResult);
            using var client = ClusterProcess.Client(configuration);
            var api = new NodeEvacuationApi(client, configuration.Host);
            await api.SetEvacuateAsync(name, true, ct);
            var cordoned = await api.SetCordonAsync(name, true, ct);
            await Console.Out.WriteLineAsync($"node {name}: evacuation requested{(cordoned ? ", Node cordoned" : " (no Node object: nothing to cordon)")}");
            if (parseResult.GetValue(noWait))
            {
                return ExitCodes.Success;
            }

            return await WaitAsync(api, name, !Console.IsOutputRedirected, ct);
        });
        return command;
    }

    private static async Task<int> WaitAsync(NodeEvacuationApi api, string node, bool terminal, CancellationToken ct)
    {
        IReadOnlyList<string> shown = [];
        var drawnLines = 0;
        while (true)
        {
            var evacuation = (await api.ReadTopologyAsync(node, ct)).Status?.Evacuation;
            var vms = await api.VmsOnAsync(node, ct);
            var lines = DrainProgressText.Lines(node, vms, evacuation);
            if (!lines.SequenceEqual(shown))
            {
                // On a terminal the list is redrawn in place (cursor up over the previous one); in a log each change is printed once.
                var redraw = terminal && drawnLines > 0 ? $"\u001b[{drawnLines}A\u001b[J" : string.Empty;
                await Console.Out.WriteAsync(redraw + string.Join('\n', lines.Select(Placing.OneLineText.Of)) + "\n");
                shown = lines;
                drawnLines = lines.Count;
            }

            switch (DrainProgressText.Judge(vms, evacuation))
            {
                case DrainState.Done:
                    return ExitCodes.Success;
                case DrainState.Blocked:
                    await Console.Error.WriteLineAsync($"error: node {node} cannot be emptied: {string.Join(", ", evacuation!.Blocked.Select(b => $"{b.Name} ({b.Reason})"))}");
                    return ExitCodes.Failure;
            }

            await Task.Delay(PollInterval, ct);
        }
    }
}

/// <summary><c>numa-operator uncordon NODE</c>: ends an evacuation (clears spec.evacuate) and uncordons the Node.</summary>
public sealed class UncordonCommand : ICliCommand
{
    public const string HelpText =
        "Make a drained node usable again: clears spec.evacuate on its NumaNodeTopology and uncordons its Node\n" +
        "(spec.unschedulable). Migrations already running finish; VMs do not move back by themselves.\n" +
        "Exit codes:\n" +
        "  0  done\n" +
        "  1  runtime failure: the node has no NumaNodeTopology, or the API server is unreachable or refused the request\n" +
        "  2  bad input: NODE is not a node name, or no kubeconfig/context";

    public int Order => 31;

    public Command Build()
    {
        var node = new Argument<string>("NODE") { Description = "The node, as its NumaNodeTopology and Node are named" };
        var command = new Command("uncordon", HelpText);
        command.Arguments.Add(node);
        var cluster = ClusterOptions.AddTo(command);
        command.SetAction(async (parseResult, ct) =>
        {
            var name = NodeArgument.Parse(parseResult.GetValue(node));
            var configuration = cluster.Load(parseResult);
            using var client = ClusterProcess.Client(configuration);
            var api = new NodeEvacuationApi(client, configuration.Host);
            await api.SetEvacuateAsync(name, false, ct);
            var uncordoned = await api.SetCordonAsync(name, false, ct);
            await Console.Out.WriteLineAsync($"node {name}: evacuation cleared{(uncordoned ? ", Node uncordoned" : " (no Node object)")}");
            return ExitCodes.Success;
        });
        return command;
    }
}
