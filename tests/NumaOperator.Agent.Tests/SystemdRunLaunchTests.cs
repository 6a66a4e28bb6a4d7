using System.Diagnostics;
using NumaOperator.Agent.Launch;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>The systemd-run strategy for real, where this machine allows it: PID 1 is systemd and nsenter exists.</summary>
public sealed class SystemdRunLaunchTests
{
    [SkippableFact]
    public async Task The_wrapped_command_runs_in_a_transient_scope_of_pid1s_systemd()
    {
        var pid1 = File.ReadAllText("/proc/1/comm").Trim();
        Skip.IfNot(HostCapabilities.IsRoot, "needs root to enter PID 1's namespaces");
        Skip.IfNot(pid1 == "systemd", $"PID 1 is \"{pid1}\", not systemd: no host systemd to create a transient scope (the direct strategy is what runs here)");
        Skip.If(HostCapabilities.FindOnPath("nsenter") is null, "nsenter (util-linux) not installed");

        // A stand-in for QEMU that reports its own cgroup: it must be the scope numa-vm-UID.scope, not ours.
        var uuid = Guid.NewGuid();
        var spec = new NumaOperator.Qemu.CommandLine.VmLaunchSpec(
            "probe", uuid, new Numa.Placement.VmPlacement("n", Numa.Quantities.PageSize.Normal, []),
            new NumaOperator.Qemu.Capabilities.QemuCpu(Numa.Placement.Accelerator.Emulation, "host-model", "max"),
            NumaOperator.Qemu.CommandLine.ResolvedBoot.FirmwareOnly, new NumaOperator.Qemu.CommandLine.VmStatePaths("/tmp/unused"));
        var argv = new SystemdRunLaunch { NsenterPath = HostCapabilities.FindOnPath("nsenter")! }.Wrap(["/bin/cat", "/proc/self/cgroup"], spec);
        var start = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(process.ExitCode == 0, error);
        Assert.Contains(SystemdRunLaunch.UnitName(uuid) + ".scope", output, StringComparison.Ordinal);
    }
}
