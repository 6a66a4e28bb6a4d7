using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.ControllerRuntime;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>An embedded API server over real HTTP, a client, and agents (and a controller) started against it.</summary>
internal sealed class AgentFixture : IAsyncDisposable
{
    private readonly List<(CancellationTokenSource Stop, Task Run)> hosts = [];
    private readonly CollectingLoggerProvider logs = new(LogLevel.Debug, keep: 5000);

    private AgentFixture(EmbeddedApiServer server)
    {
        Server = server;
        Client = new Kubernetes(server.ClientConfiguration());
        Vms = new GenericClient(Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
        Topologies = new GenericClient(Client, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, disposeClient: false);
        Loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
    }

    public EmbeddedApiServer Server { get; }

    public Kubernetes Client { get; }

    public GenericClient Vms { get; }

    public GenericClient Topologies { get; }

    public ILoggerFactory Loggers { get; }

    public string Log => string.Join('\n', logs.Lines);

    public static async Task<AgentFixture> StartAsync() =>
        new(await EmbeddedApiServer.StartAsync(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) }));

    /// <summary>Against a server started with <paramref name="options"/> (e.g. more token users).</summary>
    public static async Task<AgentFixture> StartAsync(ApiServerOptions options) => new(await EmbeddedApiServer.StartAsync(options));

    /// <summary>Starts an agent; <see cref="StopAsync"/> with the returned index cancels it (VMs keep running).</summary>
    /// <param name="runtime">The agent's VM processes; default real QEMU.</param>
    public (AgentHost Host, int Index) StartAgent(AgentOptions options, Runtime.IVmRuntime? runtime = null)
    {
        var host = new AgentHost(Client, options with { Informers = new InformerOptions { WatchTimeoutSeconds = 20 } }, Loggers, runtime);
        var stop = new CancellationTokenSource();
        hosts.Add((stop, Task.Run(() => host.RunAsync(stop.Token))));
        return (host, hosts.Count - 1);
    }

    /// <param name="nodeLostAfter">Heartbeat age after which a node's VMs are NodeLost; default the controller's.</param>
    public void StartController(TimeSpan? nodeLostAfter = null)
    {
        var host = new Controller.ControllerHost(Client, new Controller.ControllerHostOptions
        {
            Informers = new InformerOptions { WatchTimeoutSeconds = 20 },
            Scheduling = new()
            {
                NodeLostAfter = nodeLostAfter ?? Controller.Scheduling.SchedulingControllerOptions.DefaultNodeLostAfter,
            },
        }, Loggers);
        var stop = new CancellationTokenSource();
        hosts.Add((stop, Task.Run(() => host.RunAsync(stop.Token))));
    }

    public async Task StopAsync(int index)
    {
        var (stop, run) = hosts[index];
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Creates a VM in "default" and adds its uid to <paramref name="uids"/> (whose QEMU the test's clean-up kills).</summary>
    public async Task<NumaVirtualMachine> CreateVmAsync(NumaVirtualMachine vm, ICollection<Guid> uids)
    {
        var created = await Vms.CreateNamespacedAsync(vm, "default");
        uids.Add(Guid.Parse(created.Metadata.Uid));
        return created;
    }

    /// <summary>A merge patch of a VM in "default", as a user edits its spec.</summary>
    public async Task PatchVmAsync(string name, string json) =>
        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(json, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, name);

    public async Task<NumaNodeTopology?> TopologyAsync(string name)
    {
        try
        {
            return await Topologies.ReadAsync<NumaNodeTopology>(name);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
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

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds; fails with the last value and the logs.</summary>
    public Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, int seconds = 30) =>
        Eventually.UntilAsync(read, done, TimeSpan.FromSeconds(seconds), what, last => last is null ? "null" : KubernetesJson.Serialize(last), () => $"log:\n{Log}");

    public async Task<IList<Corev1Event>> EventsAboutAsync(string name) =>
        [.. (await Client.CoreV1.ListNamespacedEventAsync("default")).Items.Where(e => e.InvolvedObject.Name == name)];

    public async Task<V1Node> AddNodeAsync(string name) =>
        await Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } } });

    public async ValueTask DisposeAsync()
    {
        foreach (var (stop, run) in hosts)
        {
            await stop.CancelAsync();
            await run.ContinueWith(_ => { }, TaskScheduler.Default);
            stop.Dispose();
        }

        Client.Dispose();
        Loggers.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>A private copy of a sysfs fixture tree a test may edit; deleted on dispose.</summary>
internal sealed class ScratchSysfs : IDisposable
{
    public ScratchSysfs(string machine)
    {
        Root = Path.Combine(Path.GetTempPath(), "numaop-agent-sysfs-" + Guid.NewGuid().ToString("N"));
        Copy(NumaOperator.Tests.Shared.RepoPaths.Fixture("sysfs", machine), Root);
    }

    public string Root { get; }

    public void Write(string relative, string content) => File.WriteAllText(Path.Combine(Root, relative), content);

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            Copy(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }
}
