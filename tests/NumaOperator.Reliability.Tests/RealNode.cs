using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using NumaOperator.Agent;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Qemu.Host;
using NumaOperator.Tests.Shared;
using NumaOperator.Api.Status;

namespace NumaOperator.Reliability.Tests;

/// <summary>
/// The local host as one more node of a fault run: a Node, the real <see cref="AgentHost"/> (killed and started again
/// at random points by the harness; its QEMUs outlive it) and a few real QEMU VMs of 64Mi of 2Mi pages each. It
/// raises host node 0's 2Mi pool by exactly what its VMs need and lowers it by the same at the end, mounts hugetlbfs
/// in a temp dir when none is mounted, and finds its QEMUs in /proc by the -uuid of the VMs it created (QEMUs of
/// other tests on this host are never looked at or touched).
/// </summary>
public sealed class RealNode : IAsyncDisposable
{
    public const string NodeName = "reliability-real";
    private const long PageBytes = 2L << 20;
    private const long PagesPerVm = 32; // 64Mi
    private readonly FaultHarness harness;
    private readonly Kubernetes admin;
    private readonly GenericClient vmsApi;
    private readonly int count;
    private readonly string stateDir;
    private readonly string imageRoot;
    private readonly HugepageCounters counters = new();
    private readonly Dictionary<string, string> knownUids = new(StringComparer.Ordinal); // uid → VM key
    private readonly Lock gate = new();
    private readonly long raised;
    private readonly long baselineInUse;
    private readonly string? mountedByUs;
    private (Kubernetes Client, CancellationTokenSource Stop, Task Run)? agent;

    private RealNode(FaultHarness harness, int count, string? mountedByUs)
    {
        this.harness = harness;
        this.count = count;
        this.mountedByUs = mountedByUs;
        admin = harness.NewClient();
        vmsApi = new GenericClient(admin, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
        stateDir = Directory.CreateTempSubdirectory("numaop-reliability-state-").FullName;
        imageRoot = Directory.CreateTempSubdirectory("numaop-reliability-images-").FullName;
        baselineInUse = InUsePages();
        raised = count * PagesPerVm;
        var path = counters.TotalPagesPath(0, PageBytes);
        var before = counters.TotalPages(0, PageBytes);
        File.WriteAllText(path, (before + raised).ToString(CultureInfo.InvariantCulture));
        raised = counters.TotalPages(0, PageBytes) - before;
        Notes.Add($"real node: {count} QEMU VM(s) of 64Mi; host node 0's 2Mi pool raised by {raised} pages, hugetlbfs {(mountedByUs is null ? "already mounted" : "mounted at " + mountedByUs)}");
    }

    public List<string> Notes { get; } = [];

    public long AgentRestarts { get; private set; }

    /// <summary>Why the real node cannot take part on this host, or null when it can.</summary>
    public static async Task<string?> UnavailableAsync(int count)
    {
        if (count == 0)
        {
            return "NUMAOP_FAULT_REAL_VMS=0";
        }

        if (!HostCapabilities.IsRoot || !HostCapabilities.HasQemu || !Directory.Exists("/sys/devices/system/node/node0/hugepages/hugepages-2048kB"))
        {
            return "real QEMU VMs skipped: needs root, qemu-system-x86_64 and 2 MiB hugepages on host node 0";
        }

        // The agent is built in parallel with this harness; until it runs, the simulated nodes are all there is.
        using var probe = new CancellationTokenSource();
        await probe.CancelAsync();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:1" });
        var state = Directory.CreateTempSubdirectory("numaop-reliability-probe-").FullName;
        try
        {
            await new AgentHost(client, new AgentOptions { NodeName = "probe", StateDirectory = state }).RunAsync(probe.Token).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (NotImplementedException e)
        {
            return "real QEMU VMs skipped: the node agent is not implemented yet (" + e.Message + ")";
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }

        return null;
    }

    public static async Task<RealNode> StartAsync(FaultHarness harness, int count)
    {
        string? mounted = null;
        if (HugetlbfsMounts.ForPageSize(HugetlbfsMounts.Discover(), PageBytes) is null)
        {
            mounted = Directory.CreateTempSubdirectory("numaop-reliability-hugetlbfs-").FullName;
            await LocalHost.RunAsync("mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "none", mounted);
        }

        var node = new RealNode(harness, count, mounted);
        await node.admin.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = NodeName, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = NodeName } },
        });
        return node;
    }

    /// <summary>Starts the agent and creates the VMs (running).</summary>
    public async Task StartAgentAsync()
    {
        StartAgent();
        for (var i = 0; i < count; i++)
        {
            await CreateAsync(i);
        }
    }

    public Task EnsureAgentAsync()
    {
        if (agent is null || agent.Value.Run.IsCompleted)
        {
            StartAgent();
        }

        return Task.CompletedTask;
    }

    public async Task RestartAgentAsync(int downMilliseconds, CancellationToken ct)
    {
        await StopAgentAsync();
        AgentRestarts++;
        try
        {
            await Task.Delay(downMilliseconds, ct);
        }
        finally
        {
            StartAgent();
        }
    }

    /// <summary>Every few seconds: stop or start a real VM, now and then delete one and create it again.</summary>
    public async Task ChurnAsync(Random random, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(random.Next(3000, 7000), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var index = random.Next(count);
            var name = VmName(index);
            if (random.NextDouble() < 0.15)
            {
                await FaultHarness.RetryAsync(() => vmsApi.DeleteNamespacedAsync<NumaVirtualMachine>("default", name));
                harness.MarkDeleted("default/" + name);
                await WaitGoneAsync(name, TimeSpan.FromSeconds(60));
                await CreateAsync(index);
            }
            else
            {
                var patch = new System.Text.Json.Nodes.JsonObject { ["spec"] = new System.Text.Json.Nodes.JsonObject { ["running"] = random.Next(2) == 0 } }.ToJsonString();
                await FaultHarness.RetryAsync(() => admin.CustomObjects.PatchNamespacedCustomObjectAsync(
                    new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural, name));
            }
        }
    }

    /// <summary>The QEMUs of this run's VMs, found by their -uuid in /proc/PID/cmdline.</summary>
    public Task<List<HostProcess>> ProcessesAsync()
    {
        Dictionary<string, string> uids;
        lock (gate)
        {
            uids = new(knownUids, StringComparer.Ordinal);
        }

        var found = new List<HostProcess>();
        foreach (var (pid, uuid) in LocalHost.QemuProcesses())
        {
            if (uids.TryGetValue(uuid, out var key))
            {
                found.Add(new HostProcess(NodeName, key, uuid, pid, null));
            }
        }

        return Task.FromResult(found);
    }

    /// <summary>Ready real VMs report measured memory all on their placed nodes (they are Strict).</summary>
    public static Task<List<string>> CheckAsync(IEnumerable<NumaVirtualMachine> vms)
    {
        var problems = new List<string>();
        foreach (var vm in vms.Where(v => v.Status?.NodeName == NodeName && ConditionList.IsTrue(v.Status.Conditions, "Ready")))
        {
            if (vm.Status!.Numastat?.LocalRatio != "1.000")
            {
                problems.Add($"{vm.Key}: Ready with numastat localRatio {vm.Status.Numastat?.LocalRatio ?? "(none)"}");
            }
        }

        return Task.FromResult(problems);
    }

    /// <summary>After every VM is deleted: none of our QEMUs is left and the host's in-use 2Mi pages are back to the baseline.</summary>
    public async Task<List<string>> DrainCheckAsync()
    {
        var problems = (await ProcessesAsync()).Select(p => $"QEMU pid {p.Pid} of {p.VmKey} still runs").ToList();
        // the kernel frees a dead QEMU's pages shortly after it exits
        var inUse = await Eventually.LastReadingAsync(() => Task.FromResult(InUsePages()), pages => pages == baselineInUse, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));

        if (inUse != baselineInUse)
        {
            var others = LocalHost.QemuProcesses().Count();
            var text = $"host node 0 has {inUse} 2Mi pages in use, {baselineInUse} before the run";
            if (others > 0)
            {
                // Another test's QEMU on this shared host may hold (or have freed) pages: not attributable to this run.
                Notes.Add(text + $"; {others} QEMU(s) of other programs run, so the difference is not counted");
            }
            else
            {
                problems.Add(text + " and no QEMU runs: orphaned hugepages");
            }
        }

        return problems;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAgentAsync();
        foreach (var process in await ProcessesAsync())
        {
            try
            {
                using var qemu = Process.GetProcessById(process.Pid);
                qemu.Kill();
                await qemu.WaitForExitAsync();
                Notes.Add($"cleanup killed QEMU pid {process.Pid} of {process.VmKey}");
            }
            catch (ArgumentException)
            {
            }
        }

        var path = counters.TotalPagesPath(0, PageBytes);
        File.WriteAllText(path, Math.Max(0, counters.TotalPages(0, PageBytes) - raised).ToString(CultureInfo.InvariantCulture));
        if (mountedByUs is not null)
        {
            await LocalHost.RunAsync("umount", mountedByUs);
            Directory.Delete(mountedByUs);
        }

        Directory.Delete(stateDir, recursive: true);
        Directory.Delete(imageRoot, recursive: true);
        admin.Dispose();
    }

    private void StartAgent()
    {
        var client = harness.NewClient();
        var host = new AgentHost(client, new AgentOptions
        {
            NodeName = NodeName,
            StateDirectory = stateDir,
            ImageRoot = imageRoot,
            SampleInterval = TimeSpan.FromSeconds(1),
            StopGrace = TimeSpan.FromSeconds(2), // a firmware-only guest never answers ACPI powerdown
            Informers = new InformerOptions { WatchTimeoutSeconds = 20, ErrorBackoff = new ExponentialBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)) },
        }, harness.Loggers);
        var stop = new CancellationTokenSource();
        agent = (client, stop, Task.Run(() => host.RunAsync(stop.Token), CancellationToken.None));
    }

    private async Task StopAgentAsync()
    {
        if (agent is not { } running)
        {
            return;
        }

        agent = null;
        await running.Stop.CancelAsync();
        await running.Run.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(60));
        running.Stop.Dispose();
        running.Client.Dispose();
    }

    private async Task CreateAsync(int index)
    {
        var name = VmName(index);
        var vm = new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new NumaVirtualMachineSpec
            {
                Accelerator = "Any", // runs under KVM where the machine has it, else emulation
                Running = true,
                Cpu = new CpuSpec { Cores = 1, Dedicated = false },
                Memory = new MemorySpec { Size = "64Mi", Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
                Numa = new NumaSpec { Policy = "Strict" },
                NodeSelector = new Dictionary<string, string> { ["kubernetes.io/hostname"] = NodeName },
            },
        };
        await FaultHarness.RetryAsync(() => vmsApi.CreateNamespacedAsync(vm, "default"));
        harness.MarkCreated("default/" + name);
        NumaVirtualMachine? created = null;
        await FaultHarness.RetryAsync(async () => created = await vmsApi.ReadNamespacedAsync<NumaVirtualMachine>("default", name));
        if (created?.Metadata.Uid is { } uid)
        {
            lock (gate)
            {
                knownUids[uid] = created.Key;
            }
        }
    }

    /// <summary>Waits until the VM is gone (404) or the time is up; the drain check judges what is left.</summary>
    private Task<bool> WaitGoneAsync(string name, TimeSpan timeout) =>
        Eventually.LastReadingAsync(() => IsGoneAsync(name), gone => gone, timeout, TimeSpan.FromMilliseconds(200));

    private async Task<bool> IsGoneAsync(string name)
    {
        try
        {
            await vmsApi.ReadNamespacedAsync<NumaVirtualMachine>("default", name);
            return false;
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            return e.Response.StatusCode == System.Net.HttpStatusCode.NotFound;
        }
    }

    private static string VmName(int index) => $"real-{index}";

    private long InUsePages() => counters.TotalPages(0, PageBytes) - counters.FreePages(0, PageBytes);
}
