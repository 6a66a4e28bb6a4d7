using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.Controller;
using NumaOperator.ControllerRuntime;
using NumaOperator.Tests.Shared;
using Xunit.Abstractions;
using NumaOperator.Api.Status;

namespace NumaOperator.Reliability.Tests;

/// <summary>
/// One fault-injection run: an embedded API server, simulated nodes (a Node, a NumaNodeTopology with a hand-written
/// status, a <see cref="SimulatedHost"/> and a <see cref="SimulatedNodeAgent"/>), the real controller, optionally
/// a real node (<see cref="RealNode"/>), churn on the VMs while the server injects 409s, 500s, dropped watches and
/// latency and the controller and agents are cancelled at random points and started again as new instances. Then
/// the faults stop, the VMs must converge, the invariants are checked, and every VM is deleted and the hosts must
/// drain back to their baseline.
/// </summary>
public sealed partial class FaultHarness : IAsyncDisposable
{
    public const string SimulatedLabel = "reliability.numaoperator.io/simulated";
    private const string Namespace = "default";
    private const int NumaPerNode = 2;
    private const int CpusPerNuma = 8;
    private const long PagesPerNuma = 1536; // 3Gi of 2Mi pages per NUMA node: room for ~10 VMs per node with stopped ones holding theirs
    private static readonly string[] Sizes = ["128Mi", "256Mi", "512Mi"];

    private readonly FaultRunOptions options;
    private readonly EmbeddedApiServer server;
    private readonly RequestCounter counter;
    private readonly CollectingLoggerProvider logs = new(LogLevel.Warning, keep: 300, maxLineLength: 240);
    private readonly ILoggerFactory loggers;
    private readonly Kubernetes admin;
    private readonly GenericClient vmsApi;
    private readonly ConcurrentQueue<string> hostViolations = new();
    private readonly List<SimulatedHost> hosts = [];
    private readonly Dictionary<string, Running> agents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> operations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> deletedLast = new(StringComparer.Ordinal);
    private readonly Random chaos;
    private Running? controller;
    private long controllerRestarts;
    private long agentRestarts;
    private long allWatchesDropped;
    private long faultWindows;

    private FaultHarness(FaultRunOptions options, EmbeddedApiServer server)
    {
        this.options = options;
        this.server = server;
        counter = new RequestCounter(() => server.Faults.Latency);
        loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Warning));
        admin = NewClient();
        vmsApi = new GenericClient(admin, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
        chaos = new Random(options.Seed);
    }

    /// <summary>A real node driven by the real agent, or null (no root/QEMU, or the agent is not there).</summary>
    public RealNode? Real { get; private set; }

    public static async Task<FaultHarness> StartAsync(FaultRunOptions options, Func<FaultHarness, Task<RealNode?>>? realNode = null)
    {
        var server = await EmbeddedApiServer.StartAsync(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) });
        var harness = new FaultHarness(options, server);
        for (var i = 0; i < options.Nodes; i++)
        {
            await harness.AddSimulatedNodeAsync($"sim-{i:D2}");
        }

        harness.Real = realNode is null ? null : await realNode(harness);
        return harness;
    }

    public EmbeddedApiServer Server => server;

    public ILoggerFactory Loggers => loggers;

    /// <summary>A client of its own (a restarted component is a new process with a new connection), counted.</summary>
    public Kubernetes NewClient() => new(server.ClientConfiguration(), counter.Handler());

    public async Task<FaultRunReport> RunAsync(ITestOutputHelper? output = null)
    {
        var report = new FaultRunReport { Options = options };
        var total = Stopwatch.StartNew();
        StartController();
        foreach (var host in hosts)
        {
            StartAgent(host);
        }

        if (Real is not null)
        {
            await Real.StartAgentAsync();
        }

        // Churn and chaos until the churn time is up.
        using var churnStop = new CancellationTokenSource(options.ChurnTime);
        var churners = Enumerable.Range(0, 3).Select(i => Task.Run(() => ChurnAsync(new Random(options.Seed + 1 + i), i, churnStop.Token))).ToList();
        if (Real is not null)
        {
            churners.Add(Task.Run(() => Real.ChurnAsync(new Random(options.Seed + 100), churnStop.Token)));
        }

        await ChaosAsync(churnStop.Token);
        await Task.WhenAll(churners);
        report.ChurnTime = total.Elapsed;

        // Faults off; every component up; wait for convergence.
        server.Faults.Reset();
        if (controller is null || controller.Stopped || controller.Run.IsCompleted)
        {
            StartController();
        }

        foreach (var host in hosts.Where(h => agents[h.Name].Stopped || agents[h.Name].Run.IsCompleted))
        {
            StartAgent(host);
        }

        if (Real is not null)
        {
            await Real.EnsureAgentAsync();
        }

        CountFaults(report);
        var converged = Stopwatch.StartNew();
        var (vms, problems) = await WaitAsync(async list => Invariants.NotConverged(list, await ProcessesAsync(), deletedLast.Keys), options.ConvergeTimeout);
        report.TimeToConverge = problems.Count == 0 ? converged.Elapsed : null;
        report.Violations.AddRange(problems.Select(p => "not converged: " + p));

        var topologies = await ListAsync<NumaNodeTopology, NumaNodeTopologyList>(NumaNodeTopology.Plural);
        var nodes = (await admin.CoreV1.ListNodeAsync()).Items;
        report.Violations.AddRange(Invariants.DoubleBooking(vms, topologies).Select(p => "double booking: " + p));
        report.Violations.AddRange(Invariants.Processes(vms, await ProcessesAsync()).Select(p => "processes: " + p));
        report.Violations.AddRange(Invariants.StatusLost(vms).Select(p => "status lost: " + p));
        report.Violations.AddRange(Invariants.StuckUnschedulable(vms, topologies, nodes).Select(p => "stuck: " + p));
        report.Violations.AddRange(HostPages(vms).Select(p => "hugepages: " + p));
        if (Real is not null)
        {
            report.Violations.AddRange((await RealNode.CheckAsync(vms)).Select(p => "real node: " + p));
        }

        report.Final["running"] = vms.Count(v => Invariants.WantsRunning(v) && !Invariants.IsUnschedulable(v));
        report.Final["stopped"] = vms.Count(v => !Invariants.WantsRunning(v));
        report.Final["unschedulable"] = vms.Count(Invariants.IsUnschedulable);
        report.Final["deleted"] = deletedLast.Count;
        report.Final["real running"] = vms.Count(v => v.Status?.NodeName == RealNode.NodeName && v.Status.Phase == "Running");
        report.Final["restart-required"] = vms.Count(v => ConditionList.IsTrue(v.Status?.Conditions, "RestartRequired"));

        // Delete everything: the finalizer path under no faults, and every host back to its baseline.
        var drain = Stopwatch.StartNew();
        foreach (var vm in vms)
        {
            await RetryAsync(() => vmsApi.DeleteNamespacedAsync<NumaVirtualMachine>(Namespace, vm.Metadata.Name));
        }

        var (left, _) = await WaitAsync(list => Task.FromResult(list.Select(v => v.Key).ToList()), TimeSpan.FromSeconds(60));
        report.TimeToDrain = left.Count == 0 ? drain.Elapsed : null;
        report.Violations.AddRange(left.Select(v => $"drain: {v.Key} not deleted (phase {v.Status?.Phase}, finalizers {string.Join(",", v.Metadata.Finalizers ?? [])})"));
        report.Violations.AddRange((await ProcessesAsync()).Select(p => $"drain: process pid {p.Pid} of {p.VmKey} left on {p.Node}"));
        foreach (var host in hosts)
        {
            for (var numa = 0; numa < host.NumaNodes; numa++)
            {
                if (host.FreePages(numa) != host.PagesPerNuma)
                {
                    report.Violations.Add($"drain: {host.Name} NUMA node {numa} has {host.FreePages(numa)} free pages, baseline {host.PagesPerNuma}");
                }
            }
        }

        if (Real is not null)
        {
            report.Violations.AddRange((await Real.DrainCheckAsync()).Select(p => "real node drain: " + p));
            report.Notes.AddRange(Real.Notes);
        }

        report.Violations.AddRange(hostViolations.Select(v => "host: " + v));
        foreach (var (kind, count) in operations)
        {
            report.Operations[kind] = count;
        }

        report.Total = total.Elapsed;
        if (report.Violations.Count > 0)
        {
            report.Notes.Add("last warnings:\n" + string.Join('\n', logs.Lines.TakeLast(40)));
        }

        output?.WriteLine(report.Render());
        return report;
    }

    private void CountFaults(FaultRunReport report)
    {
        report.Faults["409 conflict"] = server.Faults.InjectedConflicts;
        report.Faults["500 error"] = server.Faults.InjectedErrors;
        report.Faults["watch dropped at start"] = server.Faults.DroppedWatches;
        report.Faults["watches cut mid-stream"] = Interlocked.Read(ref allWatchesDropped);
        report.Faults["request delayed"] = counter.Delayed;
        report.Faults["controller killed"] = Interlocked.Read(ref controllerRestarts);
        report.Faults["sim agent killed"] = Interlocked.Read(ref agentRestarts);
        if (Real is not null)
        {
            report.Faults["real agent killed"] = Real.AgentRestarts;
        }

        report.Notes.Add($"{faultWindows} fault windows; {counter.Requests} API requests from the harness's clients");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(controller);
        foreach (var agent in agents.Values)
        {
            await StopAsync(agent);
        }

        if (Real is not null)
        {
            await Real.DisposeAsync();
        }

        admin.Dispose();
        loggers.Dispose();
        await server.DisposeAsync();
    }

    /// <summary>A component instance: its own client, its cancellation and its run.</summary>
    private sealed record Running(Kubernetes Client, CancellationTokenSource Stop, Task Run)
    {
        public bool Stopped { get; set; }

        public static Running Start(Kubernetes client, Func<CancellationToken, Task> run)
        {
            var stop = new CancellationTokenSource();
            return new Running(client, stop, Task.Run(() => run(stop.Token), CancellationToken.None));
        }
    }
}
