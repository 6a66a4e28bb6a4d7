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
public sealed class FaultHarness : IAsyncDisposable
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

    /// <summary>Every tick: a new fault window (409/500/drop probabilities, latency, sometimes none), sometimes every watch cut, the controller or an agent killed and started again.</summary>
    private async Task ChaosAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var faults = server.Faults;
            faultWindows++;
            if (chaos.NextDouble() < 0.25)
            {
                faults.Reset();
            }
            else
            {
                faults.ConflictProbability = chaos.NextDouble() * options.MaxConflictProbability;
                faults.ErrorProbability = chaos.NextDouble() * options.MaxErrorProbability;
                faults.DropWatchProbability = chaos.NextDouble() * options.MaxDropWatchProbability;
                faults.Latency = chaos.NextDouble() < 0.4 ? TimeSpan.FromMilliseconds(chaos.Next(5, (int)options.MaxLatency.TotalMilliseconds)) : TimeSpan.Zero;
            }

            if (chaos.NextDouble() < 0.05)
            {
                Interlocked.Add(ref allWatchesDropped, server.DropWatches());
            }

            try
            {
                if (chaos.NextDouble() < 0.08)
                {
                    await StopAsync(controller);
                    await Task.Delay(chaos.Next(0, 500), ct);
                    StartController();
                    Interlocked.Increment(ref controllerRestarts);
                }

                if (chaos.NextDouble() < 0.25)
                {
                    var host = hosts[chaos.Next(hosts.Count)];
                    await StopAsync(agents[host.Name]);
                    await Task.Delay(chaos.Next(0, 300), ct);
                    StartAgent(host);
                    Interlocked.Increment(ref agentRestarts);
                }

                if (Real is not null && chaos.NextDouble() < 0.08)
                {
                    await Real.RestartAgentAsync(chaos.Next(0, 500), ct);
                }

                await Task.Delay(chaos.Next(200, 600), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One churn worker: create, update spec, stop, start, delete on random VMs of the simulated set.</summary>
    private async Task ChurnAsync(Random random, int worker, CancellationToken ct)
    {
        // The first pass creates this worker's share of the VMs; afterwards any VM is fair game.
        for (var i = worker; i < options.Vms && !ct.IsCancellationRequested; i += 3)
        {
            await CreateAsync(i, random);
        }

        while (!ct.IsCancellationRequested)
        {
            var index = random.Next(options.Vms);
            var name = VmName(index);
            try
            {
                var vm = await ReadAsync(name);
                if (vm is null || vm.Metadata.DeletionTimestamp is not null)
                {
                    if (vm is null)
                    {
                        await CreateAsync(index, random);
                    }
                }
                else
                {
                    var roll = random.NextDouble();
                    if (roll < 0.25)
                    {
                        var cores = index % 8 == 0 ? 2 : random.Next(1, 3);
                        await PatchSpecAsync(name, "update", new JsonObject
                        {
                            ["cpu"] = new JsonObject { ["cores"] = cores, ["dedicated"] = random.Next(2) == 0 },
                            ["memory"] = new JsonObject { ["size"] = Sizes[random.Next(Sizes.Length)] },
                        });
                    }
                    else if (roll < 0.5)
                    {
                        await PatchSpecAsync(name, "stop", new JsonObject { ["running"] = false });
                    }
                    else if (roll < 0.85)
                    {
                        await PatchSpecAsync(name, "start", new JsonObject { ["running"] = true });
                    }
                    else
                    {
                        await RetryAsync(() => vmsApi.DeleteNamespacedAsync<NumaVirtualMachine>(Namespace, name));
                        MarkDeleted(Namespace + "/" + name);
                        Count("delete");
                    }
                }

                await Task.Delay(random.Next(20, 200), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task CreateAsync(int index, Random random)
    {
        var name = VmName(index);
        var vm = new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
            Spec = new NumaVirtualMachineSpec
            {
                Accelerator = "Any", // runs under KVM where the machine has it, else emulation
                Running = random.Next(5) != 0,
                Cpu = new CpuSpec { Cores = index % 8 == 0 ? 2 : random.Next(1, 3), Dedicated = random.Next(2) == 0 },
                Memory = new MemorySpec { Size = Sizes[random.Next(Sizes.Length)], Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
                Numa = index % 8 == 0 ? new NumaSpec { GuestNodes = 2 } : null,
                NodeSelector = new Dictionary<string, string> { [SimulatedLabel] = "true" },
            },
        };
        await RetryAsync(() => vmsApi.CreateNamespacedAsync(vm, Namespace));
        MarkCreated(Namespace + "/" + name);
        Count("create");
    }

    private async Task PatchSpecAsync(string name, string kind, JsonObject spec)
    {
        var patch = new JsonObject { ["spec"] = spec }.ToJsonString();
        await RetryAsync(() => admin.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Namespace, NumaVirtualMachine.Plural, name));
        Count(kind);
    }

    /// <summary>The VM was deleted last (it must be gone at the end); <see cref="MarkCreated"/> undoes it.</summary>
    public void MarkDeleted(string key) => deletedLast[key] = true;

    public void MarkCreated(string key) => deletedLast.TryRemove(key, out _);

    private void Count(string kind) => operations.AddOrUpdate(kind, 1, (_, n) => n + 1);

    private static string VmName(int index) => $"vm-{index:D4}";

    private async Task<NumaVirtualMachine?> ReadAsync(string name)
    {
        NumaVirtualMachine? found = null;
        await RetryAsync(async () => found = await vmsApi.ReadNamespacedAsync<NumaVirtualMachine>(Namespace, name));
        return found;
    }

    /// <summary>Retries injected (and real) 409s and 5xx; a 404 or an AlreadyExists ends it (the object is gone, or a create hidden by an error went through).</summary>
    public static async Task RetryAsync(Func<Task> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound
                || (e.Response.StatusCode == HttpStatusCode.Conflict && e.Response.Content.Contains("AlreadyExists", StringComparison.Ordinal)))
            {
                return;
            }
            catch (HttpOperationException e) when (attempt < 50 && (int)e.Response.StatusCode is 409 or >= 500)
            {
                await Task.Delay(Math.Min(20 * attempt, 200));
            }
        }
    }

    private async Task<List<T>> ListAsync<T, TList>(string plural)
        where TList : IItems<T>
    {
        List<T> items = [];
        await RetryAsync(async () =>
        {
            var listed = await admin.CustomObjects.ListClusterCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, plural);
            items = [.. KubernetesJson.Deserialize<TList>(listed.ToString()!).Items];
        });
        return items;
    }

    /// <summary>Polls the VM list until <paramref name="problems"/> finds none or the time is up; returns the last list and problems.</summary>
    private async Task<(List<NumaVirtualMachine> Vms, List<string> Problems)> WaitAsync(Func<List<NumaVirtualMachine>, Task<List<string>>> problems, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var vms = await ListAsync<NumaVirtualMachine, NumaVirtualMachineList>(NumaVirtualMachine.Plural);
            var found = await problems(vms);
            if (found.Count == 0 || deadline.Elapsed > timeout)
            {
                return (vms, found);
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Every process the hosts run: the simulated ones and the real node's QEMUs.</summary>
    private async Task<List<HostProcess>> ProcessesAsync()
    {
        var all = hosts.SelectMany(h => h.Processes().Select(p => new HostProcess(h.Name, p.Key, p.Uid, p.Pid, p.Placement))).ToList();
        if (Real is not null)
        {
            all.AddRange(await Real.ProcessesAsync());
        }

        return all;
    }

    /// <summary>Each simulated host's free pages equal its total minus the pages of the VMs it runs.</summary>
    private List<string> HostPages(List<NumaVirtualMachine> vms)
    {
        var problems = new List<string>();
        var byKey = vms.ToDictionary(v => v.Key, StringComparer.Ordinal);
        foreach (var host in hosts)
        {
            for (var numa = 0; numa < host.NumaNodes; numa++)
            {
                var used = host.Processes()
                    .SelectMany(p => p.Placement.GuestNodes.Where(g => g.HostNode == numa))
                    .Sum(g => NumaOperator.Numa.Quantities.ByteQuantity.Parse(g.Memory) / (2L << 20));
                if (host.FreePages(numa) != host.PagesPerNuma - used)
                {
                    problems.Add($"{host.Name} NUMA node {numa}: {host.FreePages(numa)} pages free, {host.PagesPerNuma} - {used} expected");
                }
            }
        }

        return problems;
    }

    private async Task AddSimulatedNodeAsync(string name)
    {
        await admin.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name, [SimulatedLabel] = "true" } },
        });
        var topologies = new GenericClient(admin, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, disposeClient: false);
        await topologies.CreateAsync(new NumaNodeTopology { Metadata = new V1ObjectMeta { Name = name } });
        var host = new SimulatedHost(name, PagesPerNuma, NumaPerNode, CpusPerNuma, hostViolations);
        var status = host.TopologyStatus();
        status.HeartbeatTime = DateTime.UtcNow;
        await admin.CustomObjects.PatchClusterCustomObjectStatusAsync(
            new V1Patch(KubernetesJson.Serialize(new { status }), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, name);
        hosts.Add(host);
    }

    private void StartController()
    {
        var client = NewClient();
        var host = new ControllerHost(client, new ControllerHostOptions
        {
            Scheduling = new()
            {
                Informers = new InformerOptions { WatchTimeoutSeconds = 20, ErrorBackoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)) },
            },
        }, loggers);
        controller = Running.Start(client, host.RunAsync);
    }

    private void StartAgent(SimulatedHost host)
    {
        var client = NewClient();
        var agent = new SimulatedNodeAgent(client, host, loggers.CreateLogger("sim-agent." + host.Name), options.Flaw);
        agents[host.Name] = Running.Start(client, agent.RunAsync);
    }

    /// <summary>Cancels a component (a crash at whatever point it is) and waits until it is gone.</summary>
    private async Task StopAsync(Running? running)
    {
        if (running is null || running.Stopped)
        {
            return;
        }

        running.Stopped = true;
        await running.Stop.CancelAsync();
        try
        {
            await running.Run.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            hostViolations.Enqueue("a component did not stop within 15 s of its cancellation");
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            // A crash is what we asked for; its exception does not matter.
        }

        running.Client.Dispose();
        running.Stop.Dispose();
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
