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

try
{
    return await parse.InvokeAsync();
}
catch (BadInputException e)
{
    await Console.Error.WriteLineAsync("error: " + e.Message);
    return ExitCodes.BadInput;
}
