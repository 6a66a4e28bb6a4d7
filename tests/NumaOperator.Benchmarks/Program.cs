using BenchmarkDotNet.Running;

// `dotnet run -c Release --project tests/NumaOperator.Benchmarks -- --filter '*'` runs every benchmark;
// other entry points (workload generators, custom runs) are dispatched by the first argument.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
