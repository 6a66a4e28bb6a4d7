using System.CommandLine;
using System.Text;
using NumaOperator.Api.Serialization;
using NumaOperator.Cli.Placing;
using NumaOperator.Cli.Placing.Optimal;
using NumaOperator.Numa.Placement;
using NumaOperator.Api.Status;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// <c>numa-operator place FILE... [-o table|json|yaml]</c>: offline placement of the NumaVirtualMachines in the files
/// onto their NumaNodeTopologies, printing each VM's placement or why it does not fit. Exit codes: see
/// <see cref="PlanExitCode"/> (0 all placed, 1 some VM not placed, 2 bad input: a file missing or malformed, or a
/// VM's spec invalid).
/// </summary>
public sealed class PlaceCommand : ICliCommand
{
    public static readonly IReadOnlyList<string> Formats = ["table", "json", "yaml"];

    /// <summary>The --help description; the exit codes are part of the contract with scripts.</summary>
    public const string HelpText =
        "Place NumaVirtualMachines on NumaNodeTopologies offline and show where each goes or why it does not fit.\n" +
        "Exit codes:\n" +
        "  0  every VM has a placement (placed now or already placed)\n" +
        "  1  the input is valid, but some VM has none: unschedulable, or its recorded placement conflicts\n" +
        "     with another's (the output is still complete; as for any command, also a runtime failure)\n" +
        "  2  bad input: a file unreadable or malformed (nothing printed), or a VM's spec invalid (the output\n" +
        "     is printed; each invalid VM is also an error on stderr naming the fields and allowed values)";

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
        var packing = new Option<string>("--packing")
        {
            Description = "How VMs are spread over the nodes that fit them, as the controller's --packing: consolidate (default: nodes in use before idle ones, the least allocated of them), pack (the most allocated node first, kube-scheduler's MostAllocated), spread (the least allocated first, LeastAllocated) or numa-best-fit (the tightest host NUMA node anywhere)",
            DefaultValueFactory = _ => PackingPolicies.NameOf(PackingPolicies.Default),
        };
        packing.AcceptOnlyFromAmong([.. PackingPolicies.Names]);
        var optimize = new Option<bool>("--optimize")
        {
            Description = "Plan the VMs without a placement together (column generation + CP-SAT) instead of one by one, and print how close the plan is to its proven bound: the most VMs any plan can place, or when all fit the fewest idle nodes any plan needs",
        };
        var timeLimit = new Option<int>("--time-limit")
        {
            Description = "Seconds --optimize may take, 1 to 3600 (default 60); the bound printed stays valid when time runs out",
            DefaultValueFactory = _ => 60,
        };
        var command = new Command("place", HelpText);
        command.Arguments.Add(files);
        command.Options.Add(output);
        command.Options.Add(packing);
        command.Options.Add(optimize);
        command.Options.Add(timeLimit);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var paths = parseResult.GetValue(files) ?? [];
            var format = parseResult.GetValue(output) ?? "table";
            var policy = PackingPolicies.TryParse(parseResult.GetValue(packing), out var named)
                ? named
                : throw new BadInputException($"--packing: supported values: {string.Join(", ", PackingPolicies.Names)}");
            var seconds = parseResult.GetValue(timeLimit);
            if (seconds is < 1 or > 3600)
            {
                throw new BadInputException($"--time-limit: {seconds} is out of range; allowed 1 to 3600 seconds");
            }

            TimeSpan? optimizeFor = parseResult.GetValue(optimize) ? TimeSpan.FromSeconds(seconds) : null;
            return await RunAsync(paths, format, policy, optimizeFor, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string[] paths, string format, PackingPolicy policy, TimeSpan? optimizeFor, CancellationToken ct)
    {
        var (plan, quality, nodeCount) = PlanFiles(paths, policy, optimizeFor);
        foreach (var row in plan.Where(p => p.Result is PlanResult.Conflict or PlanResult.InvalidSpec))
        {
            // The same message the Scheduled condition carries: for an invalid spec it names each field and its allowed values.
            await Console.Error.WriteLineAsync(OneLineText.Of(row.Result == PlanResult.Conflict
                ? $"warning: {row.Vm.Key}: {row.Message}"
                : $"error: {row.Source}: NumaVirtualMachine {row.Vm.Key}: {row.Message}"));
        }

        await WriteOutputAsync(plan, quality, nodeCount, format, ct);
        var exitCode = PlanExitCode.Of(plan);
        if (exitCode != ExitCodes.Success && format != "table")
        {
            // stdout is the machine-readable List; say on stderr why the exit code is not 0 (the table ends with these totals).
            await Console.Error.WriteLineAsync("not every VM placed: " + PlanTable.Totals(plan));
        }

        return exitCode;
    }

    /// <summary>Reads the files and plans their VMs; a missing or malformed file is bad input.</summary>
    private static (IReadOnlyList<PlannedVm> Plan, PlanQuality? Quality, int NodeCount) PlanFiles(string[] paths, PackingPolicy policy, TimeSpan? optimizeFor)
    {
        try
        {
            var input = ManifestReader.ReadFiles(paths);
            var plan = FleetPlanner.Plan(input, MetaTime.WholeSeconds(DateTime.UtcNow), policy, optimizeFor, out var quality);
            return (plan, quality, input.Topologies.Count);
        }
        catch (ManifestException e)
        {
            throw new BadInputException(e.Message, e);
        }
    }

    private static async Task WriteOutputAsync(IReadOnlyList<PlannedVm> plan, PlanQuality? quality, int nodeCount, string format, CancellationToken ct)
    {
        await using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 1 << 16);
        if (format == "table")
        {
            PlanTable.Write(plan, nodeCount, stdout);
            if (quality is not null)
            {
                await stdout.WriteLineAsync(quality.ToString());
            }
        }
        else
        {
            ManifestWriter.WriteList(plan.Select(p => (object)p.Vm), format == "json" ? ManifestFormat.Json : ManifestFormat.Yaml, stdout);
            if (quality is not null)
            {
                await Console.Error.WriteLineAsync(quality.ToString()); // stdout stays the machine-readable List
            }
        }

        await stdout.FlushAsync(ct);
    }
}
