using System.CommandLine;
using k8s;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;
using NumaOperator.Cli.Hosting;
using NumaOperator.Cli.Migrating;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// <c>numa-operator migrate NAMESPACE/NAME</c>: creates a NumaVirtualMachineMigration (KubeVirt's virtctl migrate)
/// and, unless --no-wait, follows it to its end with a progress bar. The flags are checked before anything is sent
/// (<see cref="MigrationRequest"/>); the lines printed are <see cref="Rendering.MigrationProgressText"/>'s.
/// </summary>
public sealed class MigrateCommand : ICliCommand
{
    public const string HelpText =
        "Move a running NumaVirtualMachine live to another node, or to other host NUMA nodes of its own node: creates a\n" +
        "NumaVirtualMachineMigration (generateName <vm>-migration-), then follows it with a progress bar (data sent,\n" +
        "remaining, passes over dirty memory, elapsed) and prints where the VM landed and where its memory was measured.\n" +
        "A failed move leaves the VM running where it was.\n" +
        "Exit codes:\n" +
        "  0  the move Succeeded (with --no-wait: the migration was created)\n" +
        "  1  runtime failure: the move Failed (its reason and message are printed), the VM does not exist, the API\n" +
        "     server is unreachable or refused the request, or the move did not end within --timeout plus a minute\n" +
        "  2  bad input: the argument is not NAMESPACE/NAME, a flag value is not allowed, or no kubeconfig/context;\n" +
        "     nothing is created";

    /// <summary>How often the migration is read while waiting; the source agent reports progress about once a second.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>The controller's default spec.completionTimeoutSeconds.</summary>
    public const int DefaultTimeoutSeconds = 600;

    public int Order => 29;

    public Command Build()
    {
        var vm = new Argument<string>("NAMESPACE/NAME") { Description = "The NumaVirtualMachine to move, e.g. default/db1" };
        var toNode = new Option<string?>("--to-node") { Description = "The node to move to (default: any node the placement engine finds, the VM's own included)" };
        var toNuma = new Option<string?>("--to-numa-node") { Description = "Host NUMA nodes of the target the memory moves to, cpuset syntax, e.g. 1 (default: the VM's spec.numa.nodes)" };
        var bandwidth = new Option<string?>("--bandwidth") { Description = "Upper bound of the migration stream in bytes per second, a quantity, e.g. 64Mi (default: unlimited)" };
        var timeout = new Option<string?>("--timeout") { Description = "How long the move may take before it is cancelled and rolled back, e.g. 90s, 10m (10s to 24h; default 10m)" };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the migration is created" };
        var command = new Command("migrate", HelpText);
        command.Arguments.Add(vm);
        command.Options.Add(toNode);
        command.Options.Add(toNuma);
        command.Options.Add(bandwidth);
        command.Options.Add(timeout);
        command.Options.Add(noWait);
        var cluster = ClusterOptions.AddTo(command);
        command.SetAction(async (parseResult, ct) =>
        {
            var request = MigrationRequest.Build(
                parseResult.GetValue(vm), parseResult.GetValue(toNode), parseResult.GetValue(toNuma), parseResult.GetValue(bandwidth), parseResult.GetValue(timeout));
            var configuration = cluster.Load(parseResult);
            using var client = ClusterProcess.Client(configuration);
            var api = new MigrationApi(client, configuration.Host);
            var created = await api.CreateAsync(request, ct);
            await Console.Out.WriteLineAsync($"{created.Key}: migration of {request.Spec.VmName} created");
            if (parseResult.GetValue(noWait))
            {
                return ExitCodes.Success;
            }

            var limit = TimeSpan.FromSeconds((request.Spec.CompletionTimeoutSeconds ?? DefaultTimeoutSeconds) + 60);
            var ended = await MigrationFollower.FollowAsync(api, created, PollInterval, limit, Console.Error, !Console.IsErrorRedirected, ct);
            var moved = ended.Status?.Phase == MigrationPhases.Succeeded ? await api.ReadVmAsync(ended.Metadata.NamespaceProperty, ended.Spec.VmName, ct) : null;
            var outcome = $"{created.Key}: {Rendering.MigrationProgressText.Outcome(ended, moved)}";
            if (moved is null)
            {
                await Console.Error.WriteLineAsync(outcome);
                return ExitCodes.Failure;
            }

            await Console.Out.WriteLineAsync(outcome);
            return ExitCodes.Success;
        });
        return command;
    }
}
