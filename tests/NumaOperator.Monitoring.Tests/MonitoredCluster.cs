using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using NumaOperator.Agent;
using NumaOperator.Agent.Tests;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.Cli.Telemetry;
using NumaOperator.Controller;
using NumaOperator.ControllerRuntime;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Monitoring.Tests;

/// <summary>
/// What a monitored cluster runs, in this process against the embedded API server over HTTP: two nodes on this host,
/// each with a real agent (real /sys, real QEMU), one of them launching without the memory binding (the seed bug),
/// and the controller. Their metrics are served on loopback by the same exports `numa-operator agent|controller
/// --metrics-listen` start. Disposing deletes the VMs (their QEMU stops), then stops everything.
/// </summary>
internal sealed class MonitoredCluster : IAsyncDisposable
{
    public const string BoundNode = "mon-bound";
    public const string UnboundNode = "mon-unbound";

    private readonly List<(CancellationTokenSource Stop, Task Run)> hosts = [];
    private readonly List<IDisposable> exports = [];
    private readonly List<string> directories = [];
    private readonly List<Guid> uids = [];
    private readonly CollectingLoggerProvider logs = new(LogLevel.Information, keep: 3000);
    private readonly ILoggerFactory loggers;

    private MonitoredCluster(EmbeddedApiServer server)
    {
        Server = server;
        Client = new Kubernetes(server.ClientConfiguration());
        Vms = new GenericClient(Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
        loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
    }

    public EmbeddedApiServer Server { get; }

    public Kubernetes Client { get; }

    public GenericClient Vms { get; }

    public int AgentMetricsPort { get; private set; }

    public int ControllerMetricsPort { get; private set; }

    public string Log => string.Join('\n', logs.Lines);

    public static async Task<MonitoredCluster> StartAsync()
    {
        var cluster = new MonitoredCluster(await EmbeddedApiServer.StartAsync(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) }));
        cluster.AgentMetricsPort = PrometheusServer.FreePort();
        cluster.ControllerMetricsPort = PrometheusServer.FreePort();
        cluster.exports.Add(TelemetryExport.Start("numa-operator-agent", AgentTelemetry.Name, $"http://127.0.0.1:{cluster.AgentMetricsPort}/"));
        cluster.exports.Add(TelemetryExport.Start("numa-operator-controller", ControllerTelemetry.Name, $"http://127.0.0.1:{cluster.ControllerMetricsPort}/"));
        foreach (var (node, omitBinding) in new[] { (BoundNode, false), (UnboundNode, true) })
        {
            await cluster.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = node, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = node } } });
            var agent = new AgentHost(cluster.Client, cluster.AgentOptions(node, omitBinding), cluster.loggers);
            cluster.Run(agent.RunAsync);
            await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        }

        var controller = new ControllerHost(cluster.Client, new ControllerHostOptions { Informers = new InformerOptions { WatchTimeoutSeconds = 20 } }, cluster.loggers);
        cluster.Run(controller.RunAsync);
        return cluster;
    }

    /// <summary>1 vCPU (not dedicated), <paramref name="size"/> of 2Mi pages on host NUMA node 0 of <paramref name="node"/>.</summary>
    public async Task CreateVmAsync(string name, string node, string size = "64Mi")
    {
        var created = await Vms.CreateNamespacedAsync(new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new NumaVirtualMachineSpec
            {
                Accelerator = "Any", // runs under KVM where the machine has it, else emulation
                Running = true,
                Cpu = new CpuSpec { Cores = 1, Dedicated = false },
                Memory = new MemorySpec { Size = size, Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
                Numa = new NumaSpec { Nodes = "0" },
                NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = node },
            },
        }, "default");
        uids.Add(Guid.Parse(created.Metadata.Uid));
    }

    public async Task<NumaVirtualMachine?> VmAsync(string name)
    {
        try
        {
            return await Vms.ReadNamespacedAsync<NumaVirtualMachine>("default", name);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task<NumaVirtualMachine?> WaitForAsync(string name, Func<NumaVirtualMachine?, bool> done, string what, int seconds = 90) =>
        Eventually.UntilAsync(() => VmAsync(name), done, TimeSpan.FromSeconds(seconds), $"{name}: {what}", context: () => Log);

    public async Task SetRunningAsync(string name, bool running) =>
        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(KubernetesJson.Serialize(new { spec = new { running } }), V1Patch.PatchType.MergePatch),
            ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, name);

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var vm in (await Vms.ListNamespacedAsync<NumaVirtualMachineList>("default")).Items)
            {
                await Vms.DeleteNamespacedAsync<NumaVirtualMachine>("default", vm.Metadata.Name);
            }

            await Eventually.UntilAsync(async () => (await Vms.ListNamespacedAsync<NumaVirtualMachineList>("default")).Items.Count, n => n == 0, TimeSpan.FromSeconds(60), "VMs deleted", context: () => Log);
        }
        finally
        {
            foreach (var (stop, run) in hosts)
            {
                await stop.CancelAsync();
                await run.ContinueWith(_ => { }, TaskScheduler.Default);
                stop.Dispose();
            }

            QemuHost.KillAll(uids);
            exports.ForEach(e => e.Dispose());
            Client.Dispose();
            loggers.Dispose();
            await Server.DisposeAsync();
            directories.Where(Directory.Exists).ToList().ForEach(d => Directory.Delete(d, recursive: true));
        }
    }

    private AgentOptions AgentOptions(string node, bool omitBinding)
    {
        // Short: a QMP socket path has at most 107 bytes.
        var state = Path.Combine("/tmp", "nmo-" + Guid.NewGuid().ToString("N")[..8]);
        var images = Directory.CreateTempSubdirectory("numaop-monitoring-images-").FullName;
        directories.AddRange([state, images]);
        return new AgentOptions
        {
            NodeName = node,
            StateDirectory = state,
            ImageRoot = images,
            OmitBindingForTest = omitBinding,
            SampleInterval = TimeSpan.FromSeconds(5),
            LivenessInterval = TimeSpan.FromMilliseconds(500),
            StopGrace = TimeSpan.FromSeconds(1),
            TopologyPollInterval = TimeSpan.FromSeconds(1),
            HeartbeatInterval = TimeSpan.FromSeconds(5),
            Informers = new InformerOptions { WatchTimeoutSeconds = 20 },
        };
    }

    private void Run(Func<CancellationToken, Task> run)
    {
        var stop = new CancellationTokenSource();
        hosts.Add((stop, Task.Run(() => run(stop.Token))));
    }
}
