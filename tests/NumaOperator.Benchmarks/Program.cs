using System.Globalization;
using BenchmarkDotNet.Running;
using NumaOperator.Api.Serialization;
using NumaOperator.Benchmarks;
using NumaOperator.Benchmarks.Workload;
using NumaOperator.Numa.Placement;

// `dotnet run -c Release --project tests/NumaOperator.Benchmarks -- --filter '*'` runs every BenchmarkDotNet benchmark;
// `-- placement [--nodes N] [--vms N] [--seed S] [--rounds R] [--packing consolidate|pack|spread|numa-best-fit]` prints the placement figures of docs/benchmarks.md;
// `-- generate --out FILE [--nodes N] [--vms N] [--seed S] [--format yaml|json]` writes the fleet as a `place` input file.
switch (args.FirstOrDefault())
{
    case "placement":
        return PlacementRun.Run(
            Option(args, "--nodes", 1000), Option(args, "--vms", 10000), Option(args, "--seed", 42), Option(args, "--rounds", 10),
            PackingPolicies.TryParse(Text(args, "--packing") ?? "consolidate", out var policy) ? policy : throw new ArgumentException($"--packing: supported values: {string.Join(", ", PackingPolicies.Names)}"));
    case "generate":
        var output = Text(args, "--out") ?? throw new ArgumentException("generate needs --out FILE");
        var format = Text(args, "--format") == "json" ? ManifestFormat.Json : ManifestFormat.Yaml;
        using (var writer = new StreamWriter(output))
        {
            var objects = FleetWorkload.Nodes(Option(args, "--nodes", 1000)).Cast<object>()
                .Concat(FleetWorkload.VirtualMachines(Option(args, "--vms", 10000), Option(args, "--seed", 42)));
            ManifestWriter.WriteList(objects, format, writer);
        }

        Console.WriteLine($"wrote {output}");
        return 0;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
}

static string? Text(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static int Option(string[] args, string name, int fallback) =>
    Text(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

public partial class Program;
