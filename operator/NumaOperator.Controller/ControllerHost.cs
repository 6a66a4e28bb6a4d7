using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.Controller.Runtime;
using NumaOperator.Controller.Scheduling;

namespace NumaOperator.Controller;

/// <summary>What <c>numa-operator controller</c> runs: optional health endpoint, optional leader election, the scheduling controller.</summary>
public sealed record ControllerHostOptions
{
    /// <summary>Lease settings; null runs without leader election (a single replica).</summary>
    public LeaderElectionOptions? LeaderElection { get; init; }

    /// <summary>HttpListener prefix for /healthz and /readyz, e.g. "http://+:8081/"; null serves none.</summary>
    public string? HealthPrefix { get; init; }

    public SchedulingControllerOptions Scheduling { get; init; } = new();
}

/// <summary>The controller process: leader election around the scheduling controller, health endpoints beside it.</summary>
public sealed class ControllerHost(IKubernetes client, ControllerHostOptions options, ILoggerFactory? loggers = null)
{
    private readonly ILoggerFactory logs = loggers ?? NullLoggerFactory.Instance;
    private LeaderElection? election;

    public SchedulingController Scheduling { get; } = new(client, options.Scheduling, loggers);

    public bool IsLeader => election?.IsLeader ?? true;

    /// <summary>Ready: a follower standing by, or a leader with synced caches.</summary>
    public bool IsReady => election is { IsLeader: false } || Scheduling.IsSynced;

    public async Task RunAsync(CancellationToken ct)
    {
        using var health = options.HealthPrefix is { } prefix ? new HealthEndpoint(prefix, () => IsReady) : null;
        var serving = health?.RunAsync(ct) ?? Task.CompletedTask;
        if (options.LeaderElection is { } lease)
        {
            election = new LeaderElection(client, lease, logs.CreateLogger("leader-election"));
            await election.RunAsync(Scheduling.RunAsync, ct);
        }
        else
        {
            await Scheduling.RunAsync(ct);
        }

        await serving;
    }
}
