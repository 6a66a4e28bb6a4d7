using System.CommandLine;
using NumaOperator.Cli.Attaching;
using NumaOperator.Cli.Explaining;

namespace NumaOperator.Cli.Commands;

/// <summary><c>numa-operator logs NAMESPACE/NAME [--tail N]</c>: prints the VM's serial log as its node's agent keeps it.</summary>
public sealed class LogsCommand : ICliCommand
{
    public const string HelpText =
        "Print a NumaVirtualMachine's serial log (everything the guest wrote to ttyS0; the agent keeps at most about\n" +
        "twice --serial-log-max-bytes of it per VM), through the agent of its node, as the kubeconfig's user: RBAC must\n" +
        "allow verb get on numavirtualmachines/log in the VM's namespace.\n" +
        "Exit codes:\n" +
        "  0  the log was printed\n" +
        "  1  runtime failure: the VM does not exist or was never started on its node, the agent refused (401/403) or\n" +
        "     is unreachable\n" +
        "  2  bad input: the argument is not NAMESPACE/NAME, --tail is negative, or no kubeconfig/context/bearer token";

    public int Order => 27;

    public Command Build()
    {
        var vm = new Argument<string>("NAMESPACE/NAME") { Description = "The NumaVirtualMachine, e.g. default/db1" };
        var tail = new Option<int?>("--tail") { Description = "Print only the last N lines (default: the whole log)" };
        tail.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 0)
            {
                result.AddError("--tail: must be a whole number >= 0");
            }
        });
        var command = new Command("logs", HelpText);
        command.Arguments.Add(vm);
        var cluster = ClusterOptions.AddTo(command);
        command.Options.Add(tail);
        command.SetAction(async (parseResult, ct) =>
        {
            var reference = VmReference.Parse(parseResult.GetValue(vm));
            var configuration = cluster.Load(parseResult);
            var address = await AgentConsoleLocator.LocateAsync(configuration, reference, ct);
            var log = await AgentEndpointClient.ReadLogAsync(address, reference, parseResult.GetValue(tail), ct);
            await using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(System.Text.Encoding.UTF8.GetBytes(log), ct);
            return ExitCodes.Success;
        });
        return command;
    }
}
