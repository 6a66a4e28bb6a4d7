using System.Globalization;

namespace NumaOperator.Reliability.Tests;

/// <summary>
/// Size of one fault-injection run. CI runs the defaults; a documented run sets NUMAOP_FAULT_VMS, NUMAOP_FAULT_NODES,
/// NUMAOP_FAULT_SECONDS (churn time), NUMAOP_FAULT_SEED, NUMAOP_FAULT_RUNS and NUMAOP_FAULT_REAL_VMS (real QEMU VMs on this host).
/// </summary>
public sealed record FaultRunOptions
{
    public int Vms { get; init; } = 40;

    public int Nodes { get; init; } = 5;

    /// <summary>How long the churn and the faults go on; convergence is waited for afterwards.</summary>
    public TimeSpan ChurnTime { get; init; } = TimeSpan.FromSeconds(35);

    /// <summary>How long the VMs get to converge once the faults are off.</summary>
    public TimeSpan ConvergeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public int Seed { get; init; } = 20261129;

    /// <summary>Runs in a row, each with a fresh server and hosts; run i uses seed Seed + i.</summary>
    public int Runs { get; init; } = 1;

    /// <summary>Real QEMU VMs run through the real AgentHost on this host (root and QEMU needed).</summary>
    public int RealVms { get; init; } = 1;

    /// <summary>Probability that a write gets an injected 409 while faults are on (each fault window draws between 0 and this).</summary>
    public double MaxConflictProbability { get; init; } = 0.15;

    public double MaxErrorProbability { get; init; } = 0.08;

    public double MaxDropWatchProbability { get; init; } = 0.3;

    public TimeSpan MaxLatency { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>A bug planted in the simulated agents (the harness's self-test); None in every real run.</summary>
    public SimulatedFlaw Flaw { get; init; }

    public static FaultRunOptions FromEnvironment()
    {
        var defaults = new FaultRunOptions();
        var options = defaults with
        {
            Vms = Read("NUMAOP_FAULT_VMS", defaults.Vms),
            Nodes = Read("NUMAOP_FAULT_NODES", defaults.Nodes),
            ChurnTime = TimeSpan.FromSeconds(Read("NUMAOP_FAULT_SECONDS", (int)defaults.ChurnTime.TotalSeconds)),
            Seed = Read("NUMAOP_FAULT_SEED", defaults.Seed),
            Runs = Math.Max(1, Read("NUMAOP_FAULT_RUNS", defaults.Runs)),
            RealVms = Read("NUMAOP_FAULT_REAL_VMS", defaults.RealVms),
        };
        return options with { ConvergeTimeout = TimeSpan.FromSeconds(Math.Max(60, options.Vms / 2)) };
    }

    private static int Read(string name, int fallback)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new ArgumentException($"{name}={text}: expected a whole number ≥ 0");
    }
}
