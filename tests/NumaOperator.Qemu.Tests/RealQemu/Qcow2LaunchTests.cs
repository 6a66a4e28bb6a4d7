using System.Diagnostics;
using System.Text.Json.Nodes;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests.RealQemu;

/// <summary>
/// `numa-operator launch` with a qcow2 disk made by qemu-img: a chain inside the image root starts a real QEMU that
/// holds every file of the chain open; a chain naming a file outside exits 2 naming the field, and starts nothing.
/// </summary>
[Collection(RealQemuTests.Name)]
public sealed class Qcow2LaunchTests(HugepageHost host) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("numaop-qcow2-launch-").FullName;
    private int? _pid;

    private string State => Path.Combine(_dir, "state");

    private static bool HasQemuImg => HostCapabilities.FindOnPath("qemu-img") is not null;

    [SkippableFact]
    public async Task Chain_inside_the_root_starts_and_qemu_opens_every_file()
    {
        Skip.IfNot(host.Available && HasQemuImg, HugepageHost.SkipReason + ", and qemu-img");
        QemuImg("create", "-f", "raw", Images("base.raw"), "8M");
        QemuImg("create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", Images("mid.qcow2"));
        QemuImg("create", "-f", "qcow2", "-b", "../mid.qcow2", "-F", "qcow2", Images("vm", "top.qcow2"));

        var (exit, stdout, stderr) = await LaunchAsync("qcow2-good", "vm/top.qcow2");
        Assert.True(exit == 0, $"exit {exit}: {stderr}{stdout}");
        var json = JsonNode.Parse(stdout)!;
        _pid = json["pid"]!.GetValue<int>();
        var drive = json["argv"]!.AsArray().Select(a => a!.GetValue<string>()).Single(a => a.Contains("file=" + Images("vm", "top.qcow2") + ",", StringComparison.Ordinal));
        Assert.Contains(",format=qcow2", drive, StringComparison.Ordinal); // explicit: QEMU never probes the disk

        // QEMU opens the whole chain before it daemonizes: the running process holds all three files.
        var open = Directory.EnumerateFiles($"/proc/{_pid}/fd").Select(fd => new FileInfo(fd).LinkTarget).ToHashSet();
        Assert.Superset(new HashSet<string?> { Images("vm", "top.qcow2"), Images("mid.qcow2"), Images("base.raw") }, open);
    }

    [SkippableFact]
    public async Task Chain_escaping_the_root_exits_two_and_starts_nothing()
    {
        Skip.IfNot(host.Available && HasQemuImg, HugepageHost.SkipReason + ", and qemu-img");
        File.WriteAllBytes(Path.Combine(_dir, "secret.raw"), new byte[1 << 20]);
        QemuImg("create", "-f", "qcow2", "-b", "../secret.raw", "-F", "raw", Images("top.qcow2"));

        var (exit, stdout, stderr) = await LaunchAsync("qcow2-escape", "top.qcow2");
        Assert.True(exit == 2, $"exit {exit}: {stderr}{stdout}");
        Assert.Contains($"spec.boot.disk.image: \"top.qcow2\" {Images("top.qcow2")} names backing file \"../secret.raw\", which resolves to {_dir}/secret.raw, outside the root: backing files must resolve inside the image root {Images()}", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(State));
        Assert.Empty(QemuNamed("qcow2-escape"));
    }

    public void Dispose()
    {
        var pidFile = Path.Combine(State, "qemu.pid");
        if (_pid is null && File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var started))
        {
            _pid = started;
        }

        if (_pid is { } pid)
        {
            Qemu.Supervision.VmSupervisor.KillAsync(pid).GetAwaiter().GetResult();
        }

        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>qemu-system-* processes whose -name carries guest=<paramref name="name"/>.</summary>
    private static List<int> QemuNamed(string name)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (int.TryParse(Path.GetFileName(dir), out var pid) && Path.GetFileName(argv[0]).StartsWith("qemu-system", StringComparison.Ordinal)
                    && argv.Any(a => a.StartsWith($"guest={name},", StringComparison.Ordinal)))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // exited while we looked
            }
        }

        return found;
    }

    private Task<CliResult> LaunchAsync(string name, string image)
    {
        var file = Path.Combine(_dir, name + ".yaml");
        File.WriteAllText(file, $$"""
            apiVersion: numaoperator.io/v1alpha1
            kind: NumaVirtualMachine
            metadata: {name: {{name}}, namespace: default}
            spec:
              accelerator: Any
              cpu: {cores: 1, dedicated: true}
              memory: {size: 64Mi}
              numa: {guestNodes: 1, policy: Strict}
              boot:
                disk: {image: {{image}}, format: qcow2}
            """);
        return CliProcess.RunAsync(TimeSpan.FromSeconds(120), ["launch", "--vm", file, "--host-nodes", "0", "--state-dir", State, "--image-root", Images(), "-o", "json"]);
    }

    private void QemuImg(params string[] args)
    {
        Directory.CreateDirectory(Images("vm"));
        var start = new ProcessStartInfo("qemu-img") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"qemu-img {string.Join(' ', args)}: {stdout}{stderr.GetAwaiter().GetResult()}");
    }

    private string Images(params string[] parts) => Path.Combine([_dir, "images", .. parts]);
}
