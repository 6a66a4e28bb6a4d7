using System.Text;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Qemu.Capabilities;

/// <summary>
/// Boots a Linux kernel with the probe initramfs (<see cref="BootProbeInitramfs"/>) and waits for its init to print
/// the marker: the one check that catches a KVM which runs firmware but hangs a kernel (seen on nested KVM, right
/// after "Probing EDD"). About a second under healthy KVM.
/// </summary>
public static class KernelBootProbe
{
    /// <summary>Null when the kernel reached its init, else why not.</summary>
    public static async Task<string?> BootAsync(QemuProbeOptions options, string kernel, Accelerator accelerator, string cpu, TimeSpan timeout, CancellationToken ct)
    {
        // One file per boot, removed after it: probes of several processes may share a work directory.
        var initramfs = Path.Combine(options.WorkDirectory, $"numaop-boot-probe-{Guid.NewGuid():N}.cpio");
        Directory.CreateDirectory(options.WorkDirectory);
        await File.WriteAllBytesAsync(initramfs, BootProbeInitramfs.Build(), ct);
        try
        {
            return await BootAsync(options, kernel, accelerator, cpu, initramfs, timeout, ct);
        }
        finally
        {
            File.Delete(initramfs);
        }
    }

    private static async Task<string?> BootAsync(QemuProbeOptions options, string kernel, Accelerator accelerator, string cpu, string initramfs, TimeSpan timeout, CancellationToken ct)
    {
        var argv = options.Command(
        [
            "-machine", "q35,accel=" + QemuAccelerators.QemuName(accelerator), "-cpu", cpu, "-m", "256M", "-smp", "1",
            "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-no-reboot",
            "-kernel", kernel, "-initrd", initramfs, "-append", "console=ttyS0 panic=-1 rdinit=/init quiet",
        ]);
        ProbeProcess process;
        try
        {
            process = ProbeProcess.Start(argv);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{argv[0]} could not be started: {e.Message}";
        }

        await using (process)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(timeout);
            var seen = new StringBuilder();
            using var reader = new StreamReader(process.Output, Encoding.ASCII);
            try
            {
                while (await reader.ReadLineAsync(deadline.Token) is { } line)
                {
                    if (line.Contains(BootProbeInitramfs.Marker, StringComparison.Ordinal))
                    {
                        return null;
                    }

                    if (seen.Length < 4096)
                    {
                        seen.AppendLine(line);
                    }
                }

                await process.WaitAsync(TimeSpan.FromSeconds(5), ct);
                return "QEMU exited before the kernel ran its init" + Evidence(process, seen);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return $"the kernel did not reach its init within {timeout.TotalSeconds:0} s" + Evidence(process, seen);
            }
        }
    }

    private static string Evidence(ProbeProcess process, StringBuilder console)
    {
        var parts = new List<string>();
        if (ProbeProcess.Tail(console.ToString()) is { Length: > 0 } c)
        {
            parts.Add("console: " + c);
        }

        if (process.Stderr is { Length: > 0 } e)
        {
            parts.Add("stderr: " + e);
        }

        return parts.Count == 0 ? " (no console output)" : " (" + string.Join("; ", parts) + ")";
    }
}
