using System.CommandLine;
using System.Runtime.InteropServices;
using NumaOperator.Cli;

// One executable, many roles: every ICliCommand in this assembly is a subcommand.
var root = new RootCommand("numa-operator: runs QEMU virtual machines pinned to host NUMA nodes, and proves where their memory landed.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command.Build());
}

var parse = root.Parse(args);

// Unknown tokens are bad input with or without --help: a typo in a script must not pass as exit 0.
var errors = parse.Errors.Select(e => e.Message).Concat(UnknownTokens.Of(parse).Select(UnknownTokens.Message)).Distinct().ToList();
if (errors.Count > 0)
{
    foreach (var error in errors)
    {
        await Console.Error.WriteLineAsync("error: " + error);
    }

    await Console.Error.WriteLineAsync("Run 'numa-operator --help' for the commands and their options.");
    return ExitCodes.BadInput;
}

// The default handler would turn every exception into exit 1; bad input must exit 2. System.CommandLine's own signal
// handling kills the process 2 s after Ctrl+C/SIGTERM, too soon for an orderly exit (controller: release the Lease;
// agent: let go of QEMU; standalone: stop VMs, give hugepages back), so signals only cancel the commands' token here.
var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
using var terminate = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true; // a second signal is handled the same way: nothing interrupts the orderly exit halfway
    terminate.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
try
{
    return await parse.InvokeAsync(invocation, terminate.Token);
}
catch (BadInputException e)
{
    await Console.Error.WriteLineAsync("error: " + e.Message);
    return ExitCodes.BadInput;
}
catch (OperationCanceledException)
{
    return ExitCodes.Failure;
}
#pragma warning disable CA1031 // the process boundary: report any failure as exit 1 with its message
catch (Exception e)
#pragma warning restore CA1031
{
    await Console.Error.WriteLineAsync("error: " + e.Message);
    return ExitCodes.Failure;
}
