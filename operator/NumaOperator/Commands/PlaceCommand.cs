using System.CommandLine;
using System.Text;
using NumaOperator.Api.Serialization;
using NumaOperator.Cli.Placing;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// <c>numa-operator place FILE... [-o table|json|yaml]</c>: offline placement of the NumaVirtualMachines in the files
/// onto their NumaNodeTopologies, printing each VM's placement or why it does not fit. Exit 0 when the input was
/// read (whether or not every VM fits), 2 when a file is missing or malformed.
/// </summary>
public sealed class PlaceCommand : ICliCommand
{
    public static readonly IReadOnlyList<string> Formats = ["table", "json", "yaml"];

    public int Order => 20;

    public Command Build()
    {
        var files = new Argument<string[]>("FILE")
        {
            Description = "Files of NumaNodeTopology, NumaVirtualMachine (and Node) objects: YAML, multi-document YAML, JSON, or a List as `kubectl get nnt,nvm -A -o yaml` prints",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = "table (default), json or yaml: a List of the NumaVirtualMachines with status.placement and the Scheduled condition",
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong([.. Formats]);
        var command = new Command("place", "Place NumaVirtualMachines on NumaNodeTopologies offline and show where each goes or why it does not fit");
        command.Arguments.Add(files);
        command.Options.Add(output);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var paths = parseResult.GetValue(files) ?? [];
            var format = parseResult.GetValue(output) ?? "table";
            IReadOnlyList<PlannedVm> plan;
            try
            {
                var input = ManifestReader.ReadFiles(paths);
                var now = DateTime.UtcNow;
                plan = FleetPlanner.Plan(input, new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc));
            }
            catch (ManifestException e)
            {
                throw new BadInputException(e.Message, e);
            }

            foreach (var conflict in plan.Where(p => p.Result == PlanResult.Conflict))
            {
                await Console.Error.WriteLineAsync($"warning: {conflict.Vm.Key}: {conflict.Message}");
            }

            await using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
            if (format == "table")
            {
                PlanTable.Write(plan, stdout);
            }
            else
            {
                ManifestWriter.WriteList(plan.Select(p => (object)p.Vm), format == "json" ? ManifestFormat.Json : ManifestFormat.Yaml, stdout);
            }

            await stdout.FlushAsync(cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }
}
