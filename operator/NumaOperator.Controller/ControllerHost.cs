using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.ControllerRuntime;
using NumaOperator.Controller.Evacuation;
using NumaOperator.Controller.Scheduling;

namespace NumaOperator.Controller;

/// <summary>What <c>numa-operator controller</c> runs: optional health endpoint, optional leader election, the scheduling controller.</summary>
public sealed record ControllerHostOptions
{
    /// <summary>Lease settings; null runs without leader election (a single replica).</summary>
    public LeaderElectionOptions? LeaderElection { get; init; }

    /// <summary>HttpListener prefix for /healthz and /readyz, e.g. "http://+:8081/"; null serves none.</summary>
    public string? HealthPrefix { get; init; }

    /// <summary>The term's shared informers (<see cref="ClusterInformers"/>), which every controller of the term reads.</summary>
    public InformerOptions Informers { get; init; } = new();

    public SchedulingControllerOptions Scheduling { get; init; } = new();

    /// <summary>Node evacuation limits (`controller --parallel-migrations-per-cluster`, `--parallel-outbound-migrations-per-node`).</summary>
    public EvacuationOptions Evacuation { get; init; } = new();
}

/// <summary>
/// The controller process: leader election around one term of the scheduling controller (which also runs the
/// live-migration reconciler on the same ledger, <see cref="Migration.MigrationReconciler"/>) and the evacuation
/// controller, both on the term's shared informers; health endpoints beside it.
/// </summary>
public sealed class ControllerHost
{
    private readonly ControllerHostOptions options;
    private readonly LeaderElection? election;
    private readonly IKubernetes client;
    private readonly ILoggerFactory logs;

    public ControllerHost(IKubernetes client, ControllerHostOptions options, ILoggerFactory? loggers = null)
    {
        this.options = options;
        (this.client, logs) = (client, loggers ?? NullLoggerFactory.Instance);
        Scheduling = new SchedulingController(client, options.Scheduling, loggers);
        Evacuation = new EvacuationController(client, options.Evacuation, options.Scheduling.Clock, loggers);
        election = options.LeaderElection is { } lease ? new LeaderElection(client, lease, logs.CreateLogger("leader-election")) : null;
    }

    public SchedulingController Scheduling { get; }

    public EvacuationController Evacuation { get; }

    /// <summary>True while this instance holds the Lease (false before it first does); always true without leader election.</summary>
    public bool IsLeader => election?.IsLeader ?? true;

    /// <summary>Terms this instance has led (each re-lists its caches and rebuilds the ledger); 0 without leader election.</summary>
    public int LeaderTerms => election?.Terms ?? 0;

    /// <summary>Ready: a follower standing by, or a leader with synced caches.</summary>
    public bool IsReady => election is { IsLeader: false } || Scheduling.IsSynced;

    public async Task RunAsync(CancellationToken ct)
    {
        using var health = options.HealthPrefix is { } prefix ? new HealthEndpoint(prefix, () => IsReady) : null;
        var serving = health?.RunAsync(ct) ?? Task.CompletedTask;
        if (election is not null)
        {
            await election.RunAsync(RunControllersAsync, ct);
        }
        else
        {
            await RunControllersAsync(ct);
        }

        await serving;
    }

    /// <summary>One term of every controller, on one set of informers listed afresh for the term.</summary>
    private async Task RunControllersAsync(CancellationToken ct)
    {
        var informers = ClusterInformers.Create(client, options.Informers, logs);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Each controller subscribes before its first await, so the informers start with every handler in place.
        var controllers = Task.WhenAll(Scheduling.RunAsync(informers, stop.Token), Evacuation.RunAsync(informers, stop.Token));
        var watching = informers.RunAsync(stop.Token);
        try
        {
            await controllers;
        }
        finally
        {
            await stop.CancelAsync();
            await watching.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
