using System.CommandLine;
using NumaOperator.Cli.Attaching;
using NumaOperator.Cli.Explaining;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// <c>numa-operator console NAMESPACE/NAME</c>: attaches stdin/stdout to the VM's serial console through the agent of
/// its node, with the caller's kubeconfig identity; Ctrl+] detaches and leaves the VM running.
/// </summary>
public sealed class ConsoleCommand : ICliCommand
{
    public const string HelpText =
        "Attach to a NumaVirtualMachine's serial console (the guest's ttyS0) through the agent of its node, as the\n" +
        "kubeconfig's user: RBAC must allow verb get on numavirtualmachines/console in the VM's namespace.\n" +
        $"Detach with {DetachKey.Name} (the VM keeps running; attach again any time). One client at a time per VM.\n" +
        "On a terminal the session is raw (Ctrl+C goes to the guest); with pipes, stdin ending also detaches.\n" +
        "Exit codes:\n" +
        "  0  detached\n" +
        "  1  runtime failure: the VM does not exist, is not running, its console is in use, the agent refused\n" +
        "     (401/403: no permission) or is unreachable, or the VM stopped during the session\n" +
        "  2  bad input: the argument is not NAMESPACE/NAME, or no kubeconfig/context/bearer token";

    public int Order => 26;

    public Command Build()
    {
        var vm = new Argument<string>("NAMESPACE/NAME") { Description = "The NumaVirtualMachine, e.g. default/db1" };
        var command = new Command("console", HelpText);
        command.Arguments.Add(vm);
        var cluster = ClusterOptions.AddTo(command);
        command.SetAction(async (parseResult, ct) =>
        {
            var reference = VmReference.Parse(parseResult.GetValue(vm));
            var configuration = cluster.Load(parseResult);
            var address = await AgentConsoleLocator.LocateAsync(configuration, reference, ct);
            using var socket = await AgentEndpointClient.ConnectConsoleAsync(address, reference, ct);
            await Console.Error.WriteLineAsync($"attached to the serial console of {reference} on node {address.NodeName}; detach with {DetachKey.Name}");
            (AttachmentEnd End, string? Reason) result;
            using (TerminalRawMode.EnterIfTerminal())
            {
                await using var stdin = Console.OpenStandardInput();
                await using var stdout = Console.OpenStandardOutput();
                result = await ConsoleAttachment.RunAsync(socket, stdin, stdout, ct);
            }

            if (result.End == AttachmentEnd.Detached)
            {
                await Console.Error.WriteLineAsync($"\r\ndetached from {reference}; the VM keeps running");
                return ExitCodes.Success;
            }

            throw new AttachFailedException($"the console of {reference} closed: {result.Reason}");
        });
        return command;
    }
}
