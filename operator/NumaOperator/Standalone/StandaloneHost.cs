using k8s;
using Microsoft.Extensions.Logging;
using NumaOperator.Agent;
using NumaOperator.Api.Serialization;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.ApiServer.State;
using NumaOperator.Cli.Hosting;
using NumaOperator.Controller;
using NumaOperator.Numa.Quantities;
using Spectre.Console;

namespace NumaOperator.Cli.Standalone;

/// <summary>
/// One host, one process: the embedded API server (SQLite in the data dir), this host's Node, the agent, the controller,
/// the applied manifests and the live table; then an orderly exit (final report, optional VM stop, hugepages back).
/// </summary>
public sealed class StandaloneHost(StandaloneOptions options, IAnsiConsole console, TextWriter output, bool live)
{
    /// <summary>How long the agent may take to publish this host's topology.</summary>
    public static TimeSpan AgentStartTimeout { get; } = TimeSpan.FromSeconds(60);

    /// <summary>How long --stop-vms-on-exit waits for QEMU to go: the powerdown grace, then quit and kill.</summary>
    public TimeSpan StopTimeout => options.StopGrace + TimeSpan.FromSeconds(90);

    public async Task<int> RunAsync(CancellationToken ct)
    {
        // Everything the user can get wrong is checked before anything starts or changes.
        var manifests = ManifestApplier.Read(options.ApplyFiles);
        var reservation = new HugepageReservation(new HugepagePools(), options.DataDir, output);
        RequireRootForHugepages(reservation);

        // 0700 from the start (objects, token and key live here); looser modes of an older data dir are tightened.
        var stateWarnings = StateDirectory.Prepare(options.DataDir);
        using var fileLog = new FileLoggerProvider(options.LogFile, TimeProvider.System);
        using var loggers = CreateLoggers(fileLog);
        var log = loggers.CreateLogger("standalone");
        foreach (var warning in stateWarnings)
        {
            log.LogWarning("{Warning}", warning);
        }

        await using var server = await StartApiServerAsync(loggers, ct);
        using var client = ClusterProcess.Client(server.ClientConfiguration());

        // Background parts run on their own token: after Ctrl-C the agent must still be there to stop VMs.
        using var background = new CancellationTokenSource();
        var tasks = new List<Task>();
        using var watch = new VmWatch(client, loggers.CreateLogger("standalone.watch"));
        using var view = new VmTableView(console, output, live);
        try
        {
            var applied = await StartPartsAsync(client, watch, reservation, manifests, tasks, loggers, log, background.Token, ct);
            var pictures = new HostPictureFeed(client, options.NodeName, watch, view);
            tasks.Add(pictures.RunAsync(background.Token));
            return await ShowAsync(watch, view, pictures, applied, ct);
        }
        finally
        {
            await ShutdownAsync(client, watch, reservation, tasks, background);
        }
    }

    /// <summary>Changing hugepages needs root; without it the error says the commands to run as root instead.</summary>
    private void RequireRootForHugepages(HugepageReservation reservation)
    {
        if (options.Hugepages.Count == 0 || Environment.IsPrivilegedProcess)
        {
            return;
        }

        var commands = reservation.CommandsForRoot(options.Hugepages, new Dictionary<int, long>());
        throw new BadInputException(commands.Count == 0
            ? $"{HugepageRequest.Option} needs root to change hugepages, and nothing needs changing: drop the option"
            : $"{HugepageRequest.Option} needs root. Run this as root, or reserve the pages yourself first:\n  " + string.Join("\n  ", commands) + "\nthen start standalone without " + HugepageRequest.Option);
    }

    private ILoggerFactory CreateLoggers(FileLoggerProvider fileLog) => LoggerFactory.Create(b =>
    {
        b.AddProvider(fileLog);
        if (!live)
        {
            // Without a live table, warnings go to stderr too (CI logs, pipes).
            b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(level => level >= LogLevel.Warning);
        }

        b.SetMinimumLevel(LogLevel.Information);
    });

    private async Task<EmbeddedApiServer> StartApiServerAsync(ILoggerFactory loggers, CancellationToken ct)
    {
        var server = await EmbeddedApiServer.StartAsync(
            new ApiServerOptions { DataDir = options.DataDir, ListenAddress = options.Listen.Host, Port = options.Listen.Port, Log = loggers.CreateLogger("apiserver") }, ct);
        try
        {
            server.WriteKubeconfig(options.KubeconfigOut);
            var kubeconfig = Path.GetFullPath(options.KubeconfigOut);
            await output.WriteLineAsync($"api server {server.BaseAddress} (data {Path.GetFullPath(options.DataDir)}, log {options.LogFile})");
            await output.WriteLineAsync($"kubeconfig {kubeconfig}: kubectl --kubeconfig {kubeconfig} get nvm");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The start in order: this host's Node, the watch, the hugepages, the agent (until it published the topology),
    /// the controller, then the manifests. Each background part's task goes into <paramref name="tasks"/>.
    /// </summary>
    private async Task<IReadOnlyList<AppliedObject>> StartPartsAsync(
        Kubernetes client, VmWatch watch, HugepageReservation reservation, ManifestSet manifests, List<Task> tasks, ILoggerFactory loggers, ILogger log, CancellationToken background, CancellationToken ct)
    {
        await NodeRegistration.EnsureAsync(client, options.NodeName, ct);
        await output.WriteLineAsync($"node {options.NodeName} registered");
        tasks.Add(watch.RunAsync(background));
        await watch.WaitForSyncAsync(ct);

        if (options.Hugepages.Count > 0)
        {
            await reservation.ReserveAsync(options.Hugepages, pageSize => OwnPagesInUse(watch.Snapshot().Values, pageSize), ct);
        }

        var agent = new AgentHost(client, new AgentOptions
        {
            NodeName = options.NodeName,
            StateDirectory = options.AgentStateDirectory,
            ImageRoot = options.ImageRoot,
            QemuPath = options.QemuPath,
            QemuUser = options.QemuUser,
            SampleInterval = options.SampleInterval,
            OmitBindingForTest = options.OmitBindingForTest,
            StopGrace = options.StopGrace,
            ForceEmulation = options.ForceEmulation,
            BootProbeKernel = options.BootProbeKernel,

            // The console endpoint on loopback: `numa-operator console` with the standalone kubeconfig reaches it.
            ConsoleListen = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
        }, loggers);
        var agentTask = Guard(agent.RunAsync(background), "agent", log);
        tasks.Add(agentTask);
        await WaitAgentReadyAsync(agent, agentTask, ct);
        await output.WriteLineAsync($"agent ready: NumaNodeTopology {options.NodeName} published");

        var controller = new ControllerHost(client, new ControllerHostOptions(), loggers);
        tasks.Add(Guard(controller.RunAsync(background), "controller", log));

        var applied = await new ManifestApplier(client).ApplyAsync(manifests, ct);
        foreach (var item in applied)
        {
            await output.WriteLineAsync(item.ToString());
        }

        return applied;
    }

    /// <summary>Optionally stops the VMs, ends the background parts, and gives back the hugepages no VM of ours holds.</summary>
    private async Task ShutdownAsync(Kubernetes client, VmWatch watch, HugepageReservation reservation, List<Task> tasks, CancellationTokenSource background)
    {
        // Shutdown is not cancelled by Ctrl-C (ct); each step has its own bound.
        using var stopping = new CancellationTokenSource(StopTimeout);
        try
        {
            if (options.StopVmsOnExit && tasks.Count >= 2)
            {
                await VmStopper.StopAsync(client, watch, options.NodeName, output, stopping.Token);
            }
        }
        catch (OperationCanceledException)
        {
            await output.WriteLineAsync($"error: VMs did not stop within {HumanDuration.Exact(StopTimeout)}; they keep running and the next start adopts them");
        }

        await background.CancelAsync();
        await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        if (options.Hugepages.Count > 0 || reservation.Load() is { IsEmpty: false })
        {
            var running = VmStopper.Ours(watch.Snapshot().Values, options.NodeName).Where(VmStopper.MayRun).ToList();
            if (running.Count == 0)
            {
                await reservation.ReleaseAsync(CancellationToken.None);
            }
            else
            {
                await reservation.ReportKeptAsync();
            }
        }
    }

    /// <summary>The live table until Ctrl-C, or with --exit-when-ready until a verdict or --timeout.</summary>
    private async Task<int> ShowAsync(VmWatch watch, VmTableView view, HostPictureFeed pictures, IReadOnlyList<AppliedObject> applied, CancellationToken ct)
    {
        using var viewStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        watch.Changed += vms => view.Update(VmRow.Of(vms.Values));
        view.Update(VmRow.Of(watch.Snapshot().Values));
        view.SetCaption(options.ExitWhenReady
            ? $"waiting up to {HumanDuration.Exact(options.Timeout)} for every VM to be Ready"
            : "Ctrl+C stops" + (options.StopVmsOnExit ? " (and stops the VMs)" : " (VMs keep running; the next start adopts them)"));
        var rendering = view.RunAsync(viewStop.Token);
        if (!options.ExitWhenReady)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }

            await viewStop.CancelAsync();
            await rendering;
            return ExitCodes.Success;
        }

        var keys = applied.Where(a => a.Kind == NumaVirtualMachine.KubeKind).Select(a => a.Key).ToList();
        if (keys.Count == 0)
        {
            keys = [.. watch.Snapshot().Keys];
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.Timeout);
        ReadinessVerdict verdict;
        try
        {
            verdict = await watch.WaitUntilAsync(vms => ReadinessVerdict.Judge(keys, vms) is { Done: true } v ? v : null, deadline.Token);
        }
        catch (OperationCanceledException)
        {
            var last = ReadinessVerdict.Judge(keys, watch.Snapshot());
            verdict = new ReadinessVerdict(true, false, ct.IsCancellationRequested
                ? $"interrupted: {last.Message}"
                : $"not Ready within {HumanDuration.Exact(options.Timeout)}: {last.Message}");
        }

        await viewStop.CancelAsync();
        await rendering;
        var vms = watch.Snapshot();
        if (!view.IsLive)
        {
            await output.WriteLineAsync("final:");
        }

        await pictures.RefreshAsync(CancellationToken.None);
        view.WriteFinal(VmRow.Of(vms.Values));
        await output.WriteLineAsync((verdict.Success ? "ready: " : "error: ") + verdict.Message);
        foreach (var key in keys.Order(StringComparer.Ordinal))
        {
            if (vms.TryGetValue(key, out var vm))
            {
                foreach (var line in FinalReport.Lines(vm, DateTime.UtcNow))
                {
                    await output.WriteLineAsync(line);
                }
            }
        }

        return verdict.Success ? ExitCodes.Success : ExitCodes.Failure;
    }

    private async Task WaitAgentReadyAsync(AgentHost agent, Task agentTask, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(AgentStartTimeout);
        var ready = agent.WaitReadyAsync(deadline.Token);
        if (await Task.WhenAny(ready, agentTask) == agentTask)
        {
            await agentTask; // its exception, if it failed
            throw new InvalidOperationException($"the agent stopped before it was ready; see {options.LogFile}");
        }

        try
        {
            await ready;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"the agent did not publish NumaNodeTopology {options.NodeName} within {HumanDuration.Exact(AgentStartTimeout)}; see {options.LogFile}");
        }
    }

    /// <summary>Logs a background part's failure (it would otherwise go unseen until exit) and passes it on.</summary>
    private static async Task Guard(Task task, string what, ILogger log)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            log.LogError(e, "{Part} failed", what);
            throw;
        }
    }

    /// <summary>Hugepages of <paramref name="pageSize"/> our own VMs (placed here, possibly running after a restart) hold per host node.</summary>
    private Dictionary<int, long> OwnPagesInUse(IEnumerable<NumaVirtualMachine> vms, PageSize pageSize)
    {
        var pages = new Dictionary<int, long>();
        foreach (var vm in VmStopper.Ours(vms, options.NodeName).Where(VmStopper.MayRun))
        {
            if (vm.Status?.Placement is not { } placement || !PageSize.TryParseHuge(placement.PageSize, out var placed) || placed != pageSize)
            {
                continue;
            }

            foreach (var g in placement.GuestNodes)
            {
                if (ByteQuantity.TryParse(g.Memory, out var bytes))
                {
                    pages[g.HostNode] = pages.GetValueOrDefault(g.HostNode) + (bytes / pageSize.Bytes);
                }
            }
        }

        return pages;
    }
}
