using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Standalone.Tests;

/// <summary>
/// Two nodes on this one machine: `numa-operator standalone --node-name alpha` (API server, controller, agent alpha)
/// and a second process `numa-operator agent --node-name beta` against its kubeconfig, with its own state dir and
/// loopback ports. Both publish a NumaNodeTopology of the same physical host node 0 (one hugepage pool, seen twice:
/// only run VMs that fit in it once). Everything lives under one temp dir; disposing kills both agents and every QEMU
/// started under it, gives back the hugepages standalone reserved and removes the dir.
/// </summary>
public sealed class TwoAgentCluster : IAsyncDisposable
{
    public const string Alpha = "alpha";
    public const string Beta = "beta";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private readonly StandaloneRun run;
    private BackgroundCli? beta;

    private TwoAgentCluster(StandaloneRun run, BackgroundCli standalone)
    {
        this.run = run;
        Standalone = standalone;
        Kubectl = new Kubectl(run.Kubeconfig);
    }

    /// <summary>The standalone process: API server, controller and agent alpha.</summary>
    public BackgroundCli Standalone { get; }

    /// <summary>The agent process of node beta, while it runs.</summary>
    public BackgroundCli? BetaAgent => beta;

    public Kubectl Kubectl { get; }

    public string Directory => run.Directory;

    /// <summary>Both agents' image root (spec.boot files).</summary>
    public string Images => Path.Combine(run.Directory, "images");

    /// <summary>Agent alpha's state dir (standalone's DATA/agent).</summary>
    public string AlphaStateDir => Path.Combine(run.DataDir, "agent");

    /// <summary>Agent beta's state dir (short: a QMP socket path has at most 107 bytes).</summary>
    public string BetaStateDir => Path.Combine(run.Directory, "beta");

    public string Kubeconfig => run.Kubeconfig;

    public string StateDir(string node) => node == Alpha ? AlphaStateDir : BetaStateDir;

    /// <summary>The serial log of the VM <paramref name="uid"/> run by <paramref name="node"/>'s agent (STATE/vms/UID).</summary>
    public string SerialLog(string node, string uid) => Path.Combine(StateDir(node), "vms", uid, "serial.log");

    /// <summary>
    /// Starts standalone as node alpha (reserving <paramref name="pages"/> free 2 MiB pages on host node 0), then, with
    /// <paramref name="startBeta"/>, agent beta; the started topologies Ready.
    /// </summary>
    public static async Task<TwoAgentCluster> StartAsync(long pages, bool startBeta = true)
    {
        var run = new StandaloneRun("unused");
        System.IO.Directory.CreateDirectory(Path.Combine(run.Directory, "images"));
        var standalone = new BackgroundCli(
            "standalone", "--node-name", Alpha, "--data-dir", run.DataDir, "--kubeconfig-out", run.Kubeconfig, "--image-root", Path.Combine(run.Directory, "images"),
            "--reserve-hugepages", "2Mi:" + pages.ToString(CultureInfo.InvariantCulture), "--sample-interval", "1s", "--stop-grace", "2s");
        var cluster = new TwoAgentCluster(run, standalone);
        try
        {
            await standalone.WaitForOutputAsync($"agent ready: NumaNodeTopology {Alpha} published", StartTimeout);
            await cluster.WaitTopologyReadyAsync(Alpha);
            if (startBeta)
            {
                await cluster.StartBetaAsync();
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Registers Node beta (again: kubectl apply) and starts `numa-operator agent --node-name beta` (again, after <see cref="KillBeta"/>: same state dir); waits until its topology is Ready.</summary>
    public async Task StartBetaAsync()
    {
        if (beta is { HasExited: false })
        {
            throw new InvalidOperationException("agent beta already runs");
        }

        beta?.Dispose();
        await RegisterNodeAsync(Beta);
        System.IO.Directory.CreateDirectory(BetaStateDir);
        beta = new BackgroundCli(
            "agent", "--node-name", Beta, "--kubeconfig", run.Kubeconfig, "--state-dir", BetaStateDir, "--image-root", Images,
            "--sample-interval", "1s", "--console-listen", "127.0.0.1:0", "--health-listen", $"http://127.0.0.1:{FreeTcpPort()}/");
        await WaitTopologyReadyAsync(Beta);
    }

    /// <summary>kill -9 of agent beta: no shutdown code runs; its QEMU processes keep running (they are not its children).</summary>
    public void KillBeta() => beta?.KillHard();

    /// <summary>Registers a core/v1 Node (the kubelet would): the controller schedules only onto a Node with a NumaNodeTopology.</summary>
    public async Task RegisterNodeAsync(string name)
    {
        var manifest = Path.Combine(run.Directory, $"node-{name}.yaml");
        await File.WriteAllTextAsync(manifest, $$"""
            apiVersion: v1
            kind: Node
            metadata:
              name: {{name}}
              labels: {"kubernetes.io/hostname": "{{name}}"}
            """);
        var (code, _, stderr) = await Kubectl.RunAsync("apply", "-f", manifest);
        Assert.True(code == 0, $"kubectl apply Node {name}: {stderr}");
    }

    /// <summary>`kubectl get numanodetopologies NAME -o json`, or null when it does not exist yet.</summary>
    public async Task<JsonObject?> GetTopologyAsync(string name)
    {
        var (code, stdout, _) = await Kubectl.RunAsync("get", "numanodetopologies", name, "-o", "json");
        return code == 0 ? (JsonObject)JsonNode.Parse(stdout)! : null;
    }

    public async Task<JsonObject> WaitTopologyReadyAsync(string name)
    {
        var topology = await Eventually.UntilAsync(
            () => GetTopologyAsync(name),
            t => Kubectl.Condition(t, "Ready") == "True",
            StartTimeout,
            $"NumaNodeTopology {name} Ready",
            describe: t => t?.ToJsonString() ?? "absent",
            context: () => $"standalone:\n{Standalone.Output}\nagent beta:\n{beta?.Output}",
            poll: TimeSpan.FromMilliseconds(500));
        return topology!;
    }

    /// <summary>Applies a manifest text with kubectl.</summary>
    public async Task ApplyAsync(string name, string yaml)
    {
        var file = Path.Combine(run.Directory, name + ".yaml");
        await File.WriteAllTextAsync(file, yaml);
        var (code, _, stderr) = await Kubectl.RunAsync("apply", "-f", file);
        Assert.True(code == 0, $"kubectl apply {name}: {stderr}");
    }

    /// <summary>Both processes' output, for a failure message.</summary>
    public string Output => $"=== standalone (alpha) ===\n{Standalone.Output}\n=== agent beta ===\n{beta?.Output}";

    public async ValueTask DisposeAsync()
    {
        beta?.Dispose();
        HostProcesses.Kill(HostProcesses.QemuUnder(run.Directory));
        if (!Standalone.HasExited)
        {
            try
            {
                await Standalone.InterruptAsync(TimeSpan.FromSeconds(60));
            }
            catch (OperationCanceledException)
            {
                // killed below
            }
        }

        Standalone.Dispose();
        await run.DisposeAsync();
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
