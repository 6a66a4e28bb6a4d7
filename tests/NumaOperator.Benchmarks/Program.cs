using System.Globalization;
using BenchmarkDotNet.Running;
using NumaOperator.Benchmarks;

// `dotnet run -c Release --project tests/NumaOperator.Benchmarks -- --filter '*'` runs every BenchmarkDotNet benchmark;
// `-- placement [...]` prints the placement figures of docs/benchmarks.md; `-- generate [...]` writes a `place` input file.
if (args.Length > 0 && args[0] == "placement")
{
    return PlacementRun.Run(Option(args, "--nodes", 1000), Option(args, "--vms", 10000), Option(args, "--seed", 42), Option(args, "--rounds", 10));
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;

static int Option(string[] args, string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

public partial class Program;
