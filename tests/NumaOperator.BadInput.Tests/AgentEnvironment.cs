using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using NumaOperator.Agent;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.Controller;
using NumaOperator.Tests.Shared;

namespace NumaOperator.BadInput.Tests;

/// <summary>The embedded server, the controller and a real node agent for this host (node "badinput-agent", real sysfs, QEMU).</summary>
public sealed class AgentEnvironment : IAsyncDisposable
{
    public const string NodeName = "badinput-agent";

    private readonly CancellationTokenSource stop = new();
    private readonly EmbeddedApiServer server;
    private Task agentRun = Task.CompletedTask;
    private Task controllerRun = Task.CompletedTask;

    private AgentEnvironment(EmbeddedApiServer server)
    {
        this.server = server;
        Client = new Kubernetes(server.ClientConfiguration());
        Vms = new GenericClient(Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
    }

    public Kubernetes Client { get; }

    public GenericClient Vms { get; }

    /// <summary>Why the agent cannot run here (it is not built yet, or it failed at once); null when it runs.</summary>
    public string? Unavailable { get; private set; }

    public static async Task<AgentEnvironment> StartAsync(string imageRoot, string stateDirectory)
    {
        var env = new AgentEnvironment(await EmbeddedApiServer.StartAsync(new ApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) }));
        await env.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = NodeName, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = NodeName } } });
        var agent = new AgentHost(env.Client, new AgentOptions { NodeName = NodeName, ImageRoot = imageRoot, StateDirectory = stateDirectory });
        env.agentRun = Task.Run(() => agent.RunAsync(env.stop.Token));
        await Task.WhenAny(env.agentRun, Task.Delay(TimeSpan.FromSeconds(2)));
        if (env.agentRun.IsFaulted)
        {
            env.Unavailable = $"the node agent does not run here (AgentHost.RunAsync: {env.agentRun.Exception!.InnerException?.Message})";
            return env;
        }

        var controller = new ControllerHost(env.Client, new ControllerHostOptions());
        env.controllerRun = Task.Run(() => controller.RunAsync(env.stop.Token));
        return env;
    }

    /// <summary>Stores the VM; one without spec.accelerator gets Any, so it runs on this machine with or without KVM (the corpus is about other fields).</summary>
    public Task CreateAsync(JsonNode body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body["spec"] is JsonObject spec && !spec.ContainsKey("accelerator"))
        {
            spec["accelerator"] = "Any";
        }

        return Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, fieldValidation: "Strict");
    }

    public Task<NumaVirtualMachine> GetAsync(string name) => Vms.ReadNamespacedAsync<NumaVirtualMachine>("default", name);

    /// <summary>Polls until <paramref name="done"/> holds, failing with the last status after <paramref name="seconds"/>.</summary>
    public Task<NumaVirtualMachine> WaitForAsync(string name, Func<NumaVirtualMachine, bool> done, int seconds = 60) =>
        Eventually.UntilAsync(() => GetAsync(name), done, TimeSpan.FromSeconds(seconds), $"{name}: condition", vm => vm.Status is null ? "none" : KubernetesJson.Serialize(vm.Status));

    /// <summary>Deletes the VM and waits until it is gone: the agent stops its QEMU, then the finalizer goes.</summary>
    public async Task DeleteAndWaitGoneAsync(string name, int seconds = 60)
    {
        await Vms.DeleteNamespacedAsync<NumaVirtualMachine>("default", name);
        await Eventually.HoldsAsync(
            async () => !(await Vms.ListNamespacedAsync<NumaVirtualMachineList>("default")).Items.Any(v => v.Metadata.Name == name),
            TimeSpan.FromSeconds(seconds),
            $"{name} is gone after delete",
            TimeSpan.FromMilliseconds(100));
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(agentRun, controllerRun).ContinueWith(_ => { }, TaskScheduler.Default);
        stop.Dispose();
        Client.Dispose();
        await server.DisposeAsync();
    }
}
