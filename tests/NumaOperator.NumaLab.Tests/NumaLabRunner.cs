using System.Diagnostics;
using NumaOperator.Tests.Shared;

namespace NumaOperator.NumaLab.Tests;

/// <summary>What to run in one boot of the lab (tests/numa-lab/run.sh options).</summary>
/// <param name="Script">A guest script (run.sh --script).</param>
/// <param name="Files">Copied into the guest's working directory (run.sh --file).</param>
/// <param name="Environment">Exported for the guest script (run.sh --env).</param>
/// <param name="Timeout">run.sh kills the guest after this; the runner kills run.sh a little later.</param>
/// <param name="Options">More run.sh options ("--node-memory", "2G", ...); none by default.</param>
public sealed record LabRequest(string Script, IReadOnlyList<string> Files, IReadOnlyDictionary<string, string> Environment, TimeSpan Timeout, IReadOnlyList<string>? Options = null);

/// <summary>The outcome of one boot: run.sh's exit code, its own messages, and the guest's serial log.</summary>
public sealed record LabRun(int ExitCode, string RunnerMessages, string SerialLogText, TimeSpan Elapsed)
{
    public LabSerialLog SerialLog { get; } = LabSerialLog.Parse(SerialLogText);
}

/// <summary>Starts tests/numa-lab/run.sh (which starts the outer QEMU) and always ends it and removes its files.</summary>
public static class NumaLabRunner
{
    /// <summary>run.sh's exit code when a prerequisite (qemu, kernel, static busybox) is missing.</summary>
    public const int MissingPrerequisiteExitCode = 4;

    public static string RunScript => RepoPaths.Combine("tests", "numa-lab", "run.sh");

    public static string LabDirectory => RepoPaths.Combine("tests", "numa-lab");

    /// <summary>
    /// The host path as the guest's chroot sees it: the same, except that /tmp is a fresh tmpfs in the guest and the
    /// host's /tmp is at /run/numalab/host-tmp (tests/numa-lab/init.sh).
    /// </summary>
    public static string GuestPath(string hostPath)
    {
        var full = Path.GetFullPath(hostPath);
        return full == "/tmp" || full.StartsWith("/tmp/", StringComparison.Ordinal) ? "/run/numalab/host-tmp" + full[4..] : full;
    }

    /// <summary>Null when the lab can run here, else why not (run.sh --check names the missing package).</summary>
    public static string? MissingPrerequisite()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the NUMA lab needs Linux";
        }

        if (HostCapabilities.FindOnPath("bash") is null)
        {
            return "bash not found";
        }

        var (exit, output) = RunToEnd(["bash", RunScript, "--check"], TimeSpan.FromSeconds(30));
        return exit switch
        {
            0 => null,
            MissingPrerequisiteExitCode => output.Trim(),
            _ => throw new InvalidOperationException($"run.sh --check failed with exit code {exit}: {output}"),
        };
    }

    /// <summary>How long run.sh gives a KVM boot to reach the guest's init before it falls back to TCG.</summary>
    public static TimeSpan KvmBootProbe { get; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The agent's facts decide: where its probe found KVM unusable (no /dev/kvm, a kernel that hangs under it,
    /// NUMAOPERATOR_FORCE_TCG) the lab boots TCG at once; elsewhere run.sh tries KVM and still falls back on its own.
    /// </summary>
    public static string Accelerator => TestQemu.KvmUsable ? "auto" : "tcg";

    public static async Task<LabRun> RunAsync(LabRequest request, CancellationToken ct = default)
    {
        var work = Directory.CreateTempSubdirectory("numalab-test.");
        try
        {
            var serialLog = Path.Combine(work.FullName, "serial.log");
            var argv = new List<string>
            {
                "bash", RunScript, "--quiet", "--serial-log", serialLog,
                "--timeout", ((int)request.Timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--accel", Accelerator,
                "--kvm-boot-timeout", ((int)KvmBootProbe.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--script", request.Script,
            };
            argv.AddRange(request.Options ?? []);
            foreach (var file in request.Files)
            {
                argv.AddRange(["--file", file]);
            }

            foreach (var (name, value) in request.Environment)
            {
                argv.AddRange(["--env", $"{name}={value}"]);
            }

            var started = Stopwatch.StartNew();
            var (exit, messages) = await RunToEndAsync(argv, request.Timeout + KvmBootProbe + TimeSpan.FromSeconds(30), ct);
            var text = File.Exists(serialLog) ? await File.ReadAllTextAsync(serialLog, ct) : string.Empty;
            return new LabRun(exit, messages, text, started.Elapsed);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static (int ExitCode, string Output) RunToEnd(IReadOnlyList<string> argv, TimeSpan timeout) =>
        RunToEndAsync(argv, timeout, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Runs argv to its end with stdout and stderr merged; on timeout or cancellation ends the whole tree.</summary>
    private static async Task<(int ExitCode, string Output)> RunToEndAsync(IReadOnlyList<string> argv, TimeSpan timeout, CancellationToken ct)
    {
        var info = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in argv.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {argv[0]}");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            // run.sh kills its QEMU and removes its work dir on TERM; the tree kill covers a run.sh that hangs.
            Terminate(process);
            throw new TimeoutException($"{string.Join(' ', argv)} did not end within {timeout.TotalSeconds:0} s; killed. Output so far:\n{Snapshot(output)}");
        }

        process.WaitForExit(); // drains the asynchronous output readers
        return (process.ExitCode, Snapshot(output));
    }

    private static void Terminate(Process process)
    {
        try
        {
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill?.WaitForExit();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private static void Append(System.Text.StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(System.Text.StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
