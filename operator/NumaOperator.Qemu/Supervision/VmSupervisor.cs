using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Qmp;

namespace NumaOperator.Qemu.Supervision;

/// <summary>
/// Starts, pins, adopts and stops QEMU processes. QEMU runs daemonized (-daemonize, -pidfile) so it outlives the
/// supervisor; everything needed to find it again lives in the VM's state directory. Start runs the argv without a
/// shell, waits for the daemon (memory is preallocated by then), pins every thread over QMP thread ids, verifies the
/// kernel's Cpus_allowed_list, and only then lets the guest run (`cont`; QEMU was started with -S).
/// </summary>
public sealed class VmSupervisor
{
    /// <summary>How long QEMU may take to daemonize: prealloc of a large VM's pages happens before that.</summary>
    public TimeSpan DaemonizeTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Grace after ACPI powerdown before QMP quit, then SIGKILL.</summary>
    public TimeSpan PowerdownGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Starts a VM pinned as if it were alone on the host (`numa-operator launch`).</summary>
    public Task<RunningVm> StartAsync(IReadOnlyList<string> argv, VmLaunchSpec spec, HostTopology topology, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return StartAsync(argv, spec, PinningPlan.For(spec.Placement, topology), ct);
    }

    /// <summary>Starts a VM and masks its threads by <paramref name="pinning"/> (the agent's plan, which knows the other VMs) before the guest runs.</summary>
    public Task<RunningVm> StartAsync(IReadOnlyList<string> argv, VmLaunchSpec spec, PinningPlan pinning, CancellationToken ct) =>
        StartAsync(argv, spec, pinning, resume: true, ct);

    /// <summary>
    /// Starts and pins a VM but leaves its guest paused (-S): the target of a live migration, which must not run
    /// before the stream completed and its numa_maps was measured.
    /// </summary>
    public Task<RunningVm> StartPausedAsync(IReadOnlyList<string> argv, VmLaunchSpec spec, PinningPlan pinning, CancellationToken ct) =>
        StartAsync(argv, spec, pinning, resume: false, ct);

    private async Task<RunningVm> StartAsync(IReadOnlyList<string> argv, VmLaunchSpec spec, PinningPlan pinning, bool resume, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(spec);
        var state = spec.State;
        Directory.CreateDirectory(state.Directory);
        var vmLock = VmLock.Acquire(state.LockFile);
        try
        {
            if (TryReadPid(state) is { } oldPid && IsQemuOf(oldPid, spec.Uuid))
            {
                throw new InvalidOperationException($"VM {spec.Name} already runs as pid {oldPid} (state dir {state.Directory}); adopt it instead of starting a second QEMU");
            }

            File.Delete(state.QmpSocket);
            File.Delete(state.ConsoleSocket);
            File.Delete(state.PidFile);
            await File.WriteAllTextAsync(state.UuidFile, spec.Uuid.ToString("D") + "\n", ct);
            await File.WriteAllLinesAsync(state.ArgvFile, argv, ct);

            var clock = Stopwatch.StartNew();
            await RunUntilDaemonizedAsync(argv, ct);
            var daemonized = clock.Elapsed;
            var pid = TryReadPid(state) ?? throw new InvalidOperationException($"QEMU daemonized but wrote no pid to {state.PidFile}");
            try
            {
                var qmp = await QmpClient.ConnectAsync(state.QmpSocket, ct);
                var qmpReady = clock.Elapsed;
                var threads = await QueryVcpuThreadsAsync(qmp, ct);
                Pin(pid, threads, pinning);
                var pinned = clock.Elapsed;
                if (resume)
                {
                    await qmp.ExecuteAsync("cont", null, ct);
                }

                var running = clock.Elapsed;
                return new RunningVm(pid, spec.Uuid, state, qmp, vmLock, threads, new LaunchTimings(daemonized, qmpReady, pinned, running));
            }
            catch
            {
                await KillAsync(pid);
                throw;
            }
        }
        catch
        {
            vmLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes over a QEMU that a previous supervisor started: the pid file's process must be alive and carry the VM's
    /// uuid in its /proc/PID/cmdline (a recycled pid never matches); then QMP reconnects. Nothing is restarted.
    /// </summary>
    /// <exception cref="InvalidOperationException">No such running VM (the message says what did not match).</exception>
    public static async Task<RunningVm> AdoptAsync(VmStatePaths state, Guid uuid, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(state);
        var vmLock = VmLock.Acquire(state.LockFile);
        try
        {
            var pid = TryReadPid(state) ?? throw new InvalidOperationException($"no QEMU pid in {state.PidFile}");
            if (!ProcFs.IsAlive(pid))
            {
                throw new InvalidOperationException($"pid {pid} from {state.PidFile} is not running");
            }

            if (!IsQemuOf(pid, uuid))
            {
                throw new InvalidOperationException($"pid {pid} is not the QEMU of VM {uuid}: its command line has no -uuid {uuid}");
            }

            var qmp = await QmpClient.ConnectAsync(state.QmpSocket, ct);
            try
            {
                var threads = await QueryVcpuThreadsAsync(qmp, ct);
                return new RunningVm(pid, uuid, state, qmp, vmLock, threads, null);
            }
            catch
            {
                await qmp.DisposeAsync();
                throw;
            }
        }
        catch
        {
            vmLock.Dispose();
            throw;
        }
    }

    /// <summary>ACPI powerdown, the grace period, QMP quit, then SIGKILL; waits for the process to be gone, removes the state dir.</summary>
    public async Task StopAsync(RunningVm vm, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(vm);
        try
        {
            await TryExecuteAsync(vm.Qmp, "system_powerdown", ct);
            if (!await WaitGoneAsync(vm.Pid, PowerdownGrace))
            {
                await TryExecuteAsync(vm.Qmp, "quit", ct);
                if (!await WaitGoneAsync(vm.Pid, TimeSpan.FromSeconds(10)))
                {
                    await KillAsync(vm.Pid);
                }
            }
        }
        finally
        {
            await vm.DisposeAsync();
        }

        Directory.Delete(vm.State.Directory, recursive: true);
    }

    /// <summary>
    /// Ends a QEMU whose guest does not run (an incoming target, a source paused after a completed migration): an
    /// ACPI powerdown would never be heard, so QMP quit, then SIGKILL; the state dir is removed.
    /// </summary>
    public static async Task QuitAsync(RunningVm vm, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(vm);
        try
        {
            await TryExecuteAsync(vm.Qmp, "quit", ct);
            if (!await WaitGoneAsync(vm.Pid, TimeSpan.FromSeconds(10)))
            {
                await KillAsync(vm.Pid);
            }
        }
        finally
        {
            await vm.DisposeAsync();
        }

        if (Directory.Exists(vm.State.Directory))
        {
            Directory.Delete(vm.State.Directory, recursive: true);
        }
    }

    /// <summary>Reads back every thread's Cpus_allowed_list; returns the mismatches (empty when pinning holds).</summary>
    public static IReadOnlyList<string> VerifyPinning(int pid, IReadOnlyDictionary<int, int> vcpuThreads, PinningPlan plan) =>
        ThreadPinner.Kernel.Verify(pid, vcpuThreads, plan);

    private static void Pin(int pid, IReadOnlyDictionary<int, int> vcpuThreads, PinningPlan plan)
    {
        var problems = ThreadPinner.Kernel.Apply(pid, vcpuThreads, plan);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("pinning did not hold: " + string.Join("; ", problems));
        }
    }

    private static async Task<IReadOnlyDictionary<int, int>> QueryVcpuThreadsAsync(QmpClient qmp, CancellationToken ct)
    {
        var reply = await qmp.ExecuteAsync("query-cpus-fast", null, ct) as JsonArray
            ?? throw new QmpException("query-cpus-fast returned no list");
        var threads = new Dictionary<int, int>();
        foreach (var cpu in reply.OfType<JsonObject>())
        {
            threads[cpu["cpu-index"]!.GetValue<int>()] = cpu["thread-id"]!.GetValue<int>();
        }

        return threads;
    }

    private async Task RunUntilDaemonizedAsync(IReadOnlyList<string> argv, CancellationToken ct)
    {
        var start = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{argv[0]} did not start");
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(DaemonizeTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"QEMU did not daemonize within {DaemonizeTimeout.TotalSeconds:0} s");
        }

        if (process.ExitCode != 0)
        {
            var message = await stderr.WaitAsync(TimeSpan.FromSeconds(5), ct);
            throw new InvalidOperationException($"QEMU exited with code {process.ExitCode}: {message.Trim()}");
        }

        // The daemon closes its copies of stdout/stderr once it is running; don't wait on them longer than that.
        await Task.WhenAny(Task.WhenAll(stderr, stdout), Task.Delay(TimeSpan.FromSeconds(2), ct));
    }

    /// <summary>The pid of this VM's QEMU when one runs from <paramref name="state"/> (alive, uuid in its argv), else null.</summary>
    public static int? RunningPid(VmStatePaths state, Guid uuid)
    {
        ArgumentNullException.ThrowIfNull(state);
        return TryReadPid(state) is { } pid && IsQemuOf(pid, uuid) ? pid : null;
    }

    private static int? TryReadPid(VmStatePaths state)
    {
        try
        {
            return int.TryParse(File.ReadAllText(state.PidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static bool IsQemuOf(int pid, Guid uuid)
    {
        var argv = ProcFs.CommandLine(pid);
        var wanted = uuid.ToString("D");
        for (var i = 0; i + 1 < argv.Count; i++)
        {
            if (argv[i] == "-uuid" && string.Equals(argv[i + 1], wanted, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task TryExecuteAsync(QmpClient qmp, string command, CancellationToken ct)
    {
        try
        {
            await qmp.ExecuteAsync(command, null, ct);
        }
        catch (Exception e) when (e is QmpException or IOException)
        {
            // QEMU may already be exiting and close the socket under us; the wait below decides.
        }
    }

    /// <summary>SIGKILL and wait: the daemon is not our child, init reaps it.</summary>
    public static async Task KillAsync(int pid)
    {
        if (ProcFs.IsAlive(pid))
        {
            _ = LibC.kill(pid, LibC.SigKill);
        }

        await WaitGoneAsync(pid, TimeSpan.FromSeconds(10));
    }

    private static async Task<bool> WaitGoneAsync(int pid, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (ProcFs.IsAlive(pid))
        {
            if (clock.Elapsed >= timeout)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }
}
