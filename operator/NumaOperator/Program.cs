using System.CommandLine;
using NumaOperator.Cli;

// One executable, many roles: every ICliCommand in this assembly is a subcommand.
var root = new RootCommand("numa-operator: runs QEMU virtual machines pinned to host NUMA nodes, and proves where their memory landed.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command.Build());
}

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
    {
        await Console.Error.WriteLineAsync("error: " + error.Message);
    }

    await Console.Error.WriteLineAsync("Run 'numa-operator --help' for the commands and their options.");
    return ExitCodes.BadInput;
}

// The default handler would turn every exception into exit 1; bad input must exit 2.
var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
try
{
    return await parse.InvokeAsync(invocation);
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
