using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NumaOperator.Api.Serialization;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.ApiServer.Admission;
using NumaOperator.Controller;
using NumaOperator.ControllerRuntime;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Tests.Shared;

namespace NumaOperator.BadInput.Tests;

/// <summary>What the API server answered to one create: its HTTP status and Status object (null when it was stored).</summary>
public sealed record ApplyAnswer(HttpStatusCode Code, V1Status? Status, string Body)
{
    public bool Stored => Code is HttpStatusCode.Created or HttpStatusCode.OK;

    /// <summary>Message and every cause, as one text to look for field paths and allowed values in.</summary>
    public string Text => Status is null
        ? Body
        : Status.Message + "\n" + string.Join("\n", Status.Details?.Causes?.Select(c => $"{c.Field}: {c.Message}") ?? []);
}

/// <summary>
/// An embedded API server (real KubernetesClient over HTTPS), one simulated worker (Node + NumaNodeTopology with 2Mi
/// pages on two NUMA nodes) and the controller. A valid control VM is placed first, so "not placed" means something.
/// </summary>
public sealed class EmbeddedEnvironment : IAsyncDisposable
{
    public const string Namespace = "default";
    public const string ControlVm = "control-valid";
    public const string Worker = "worker-1";

    private readonly CancellationTokenSource stop = new();
    private Task? controllerRun;

    private EmbeddedEnvironment(EmbeddedApiServer? server, Kubernetes client)
    {
        Server = server;
        Client = client;
        Vms = new GenericClient(Client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
    }

    /// <summary>The embedded server; null when the environment runs against another API server (K3s).</summary>
    public EmbeddedApiServer? Server { get; }

    public Kubernetes Client { get; }

    public GenericClient Vms { get; }

    public ControllerHost Controller { get; private set; } = null!;

    /// <summary>VMs the controller's ledger holds (the brief's "ledger count").</summary>
    public int PlacedCount => Controller.Scheduling.Reconciler?.PlacedCount ?? -1;

    /// <param name="schemaOnly">true: admit with the CRD's structural schema only, as a cluster whose CEL rules cannot
    /// run; the controller's validation is then the last line. false: the server's default (schema + validation core).</param>
    public static async Task<EmbeddedEnvironment> StartAsync(bool schemaOnly)
    {
        var server = await EmbeddedApiServer.StartAsync(new ApiServerOptions
        {
            BookmarkInterval = TimeSpan.FromSeconds(1),
            Admission = schemaOnly ? new AdmissionChain(new CrdSchemaAdmission()) : null,
        });
        return await StartOnAsync(server, new Kubernetes(server.ClientConfiguration()));
    }

    /// <summary>The same environment on any API server that serves crds/ (K3s); <paramref name="client"/> is owned from here on.</summary>
    public static Task<EmbeddedEnvironment> StartOnAsync(Kubernetes client) => StartOnAsync(null, client);

    private static async Task<EmbeddedEnvironment> StartOnAsync(EmbeddedApiServer? server, Kubernetes client)
    {
        var env = new EmbeddedEnvironment(server, client);
        await env.AddWorkerAsync();
        env.Controller = new ControllerHost(env.Client, new ControllerHostOptions
        {
            Informers = new InformerOptions { WatchTimeoutSeconds = 20 },
        });
        env.controllerRun = Task.Run(() => env.Controller.RunAsync(env.stop.Token));
        await env.CreateControlAsync();
        return env;
    }

    /// <summary>POSTs the manifest's JSON to the NumaVirtualMachine collection with fieldValidation=Strict, as kubectl apply does.</summary>
    public async Task<ApplyAnswer> CreateAsync(JsonNode body)
    {
        try
        {
            var created = await Client.CustomObjects.CreateNamespacedCustomObjectAsync(
                body, ApiGroup.Group, ApiGroup.Version, Namespace, NumaVirtualMachine.Plural, fieldValidation: "Strict");
            return new ApplyAnswer(HttpStatusCode.Created, null, JsonSerializer.Serialize(created));
        }
        catch (HttpOperationException e)
        {
            var content = e.Response.Content ?? string.Empty;
            V1Status? status = null;
            try
            {
                status = KubernetesJson.Deserialize<V1Status>(content);
            }
            catch (JsonException)
            {
                // not a Status; the raw body is reported
            }

            return new ApplyAnswer(e.Response.StatusCode, status, content);
        }
    }

    public async Task<IReadOnlyList<NumaVirtualMachine>> ListAsync() =>
        [.. (await Vms.ListNamespacedAsync<NumaVirtualMachineList>(Namespace)).Items];

    public async Task<NumaVirtualMachine?> TryGetAsync(string name)
    {
        try
        {
            return await Vms.ReadNamespacedAsync<NumaVirtualMachine>(Namespace, name);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Polls until <paramref name="done"/> holds; fails with the last object seen.</summary>
    public async Task<NumaVirtualMachine> WaitForAsync(string name, Func<NumaVirtualMachine, bool> done, int seconds = 20) =>
        (await Eventually.UntilAsync(
            () => TryGetAsync(name),
            last => last is not null && done(last),
            TimeSpan.FromSeconds(seconds),
            $"{name}: condition",
            last => last is null ? "absent" : KubernetesJson.Serialize(last),
            poll: TimeSpan.FromMilliseconds(50)))!;

    /// <summary>Deletes a VM and waits until it is gone (the controller must release its finalizer).</summary>
    public async Task DeleteAndWaitGoneAsync(string name, int seconds = 20)
    {
        await Vms.DeleteNamespacedAsync<NumaVirtualMachine>(Namespace, name);
        await Eventually.UntilAsync(
            () => TryGetAsync(name),
            left => left is null,
            TimeSpan.FromSeconds(seconds),
            $"{name} is gone after delete",
            left => $"finalizers [{string.Join(", ", left?.Metadata.Finalizers ?? [])}]",
            poll: TimeSpan.FromMilliseconds(50));
    }

    /// <summary>Removes whatever an earlier failed case left (finalizers cleared first), so one failure does not cascade.</summary>
    public async Task RemoveLeftoversAsync()
    {
        foreach (var vm in await ListAsync())
        {
            if (vm.Metadata.Name == ControlVm)
            {
                continue;
            }

            try
            {
                await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
                    new V1Patch("{\"metadata\":{\"finalizers\":null}}", V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Namespace, NumaVirtualMachine.Plural, vm.Metadata.Name);
                await Vms.DeleteNamespacedAsync<NumaVirtualMachine>(Namespace, vm.Metadata.Name);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // already gone
            }
        }

        await Eventually.LastReadingAsync(() => Task.FromResult(PlacedCount), placed => placed == 1, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
    }

    public async Task<IReadOnlyList<Corev1Event>> EventsAboutAsync(string uid) =>
        [.. (await Client.CoreV1.ListNamespacedEventAsync(Namespace)).Items.Where(e => e.InvolvedObject?.Uid == uid)];

    /// <summary>The manifest as the JSON documents a client would send (YAML converted without typing; aliases refused).</summary>
    public static JsonNode ToJson(CorpusEntry entry)
    {
        using var reader = new StringReader(entry.Text);
        var documents = YamlToJson.Convert(reader, entry.File);
        Assert.Single(documents);
        return JsonNode.Parse(documents[0].Json)!;
    }

    private async Task AddWorkerAsync()
    {
        await Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = Worker, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = Worker } } });
        var topologies = new GenericClient(Client, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, disposeClient: false);
        await topologies.CreateAsync(new NumaNodeTopology { Metadata = new V1ObjectMeta { Name = Worker } });
        var status = new NumaNodeTopologyStatus
        {
            HeartbeatTime = DateTime.UtcNow,
            NumaNodes = [.. Enumerable.Range(0, 2).Select(id => new NumaNodeStatus
            {
                Id = id,
                Cpus = $"{id * 8}-{(id * 8) + 7}",
                MemoryBytes = 64L << 30,
                Hugepages = [new HugepagePoolStatus { PageSize = "2Mi", Total = 8192, Free = 8192 }, new HugepagePoolStatus { PageSize = "1Gi", Total = 16, Free = 16 }],
                Distances = [.. Enumerable.Range(0, 2).Select(other => other == id ? 10 : 21)],
            })],
        };
        var patch = KubernetesJson.Serialize(new { status });
        await Client.CustomObjects.PatchClusterCustomObjectStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, Worker);
    }

    private async Task CreateControlAsync()
    {
        await Vms.CreateNamespacedAsync(new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = ControlVm, NamespaceProperty = Namespace },
            Spec = new NumaVirtualMachineSpec
            {
                Accelerator = "Any", // runs under KVM where the machine has it, else emulation
                Cpu = new CpuSpec { Cores = 2 },
                Memory = new MemorySpec { Size = "1Gi", Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
            },
        }, Namespace);
        await WaitForAsync(ControlVm, v => ConditionList.IsTrue(v.Status?.Conditions, SchedulingStatus.ConditionType) && v.Status?.Placement is not null, seconds: 30);
        await Eventually.UntilAsync(
            () => Task.FromResult(PlacedCount), placed => placed == 1, TimeSpan.FromSeconds(10), "the control VM's placement is the ledger's one entry", placed => $"the ledger holds {placed}", poll: TimeSpan.FromMilliseconds(20));
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (controllerRun is not null)
        {
            await controllerRun.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        stop.Dispose();
        Client.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
