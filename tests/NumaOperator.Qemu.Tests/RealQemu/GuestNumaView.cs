using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Capabilities;

namespace NumaOperator.Qemu.Tests.RealQemu;

/// <summary>One NUMA node as the guest kernel reports it in /sys/devices/system/node/nodeN.</summary>
/// <param name="Distances">The node's row of the guest's SLIT (its distance file), in node order.</param>
public sealed record GuestNodeView(int Node, CpuSet Cpus, long MemTotalBytes, IReadOnlyList<int> Distances);

/// <summary>
/// The guest's own view of its NUMA topology: an initramfs (static busybox and a shell /init) that prints each node's
/// cpulist, MemTotal and distance row on the serial console and powers off; and the parser of those lines.
/// </summary>
public static partial class GuestNumaView
{
    public const string EndMarker = "NUMAVIEW-END";

    private static readonly string[] BusyboxPaths = ["/bin/busybox", "/usr/bin/busybox"];

    // The kernel logs its boot to the console (so a stalled boot shows how far it got); dmesg -n 1 silences it once init
    // runs, so no kernel message splits a NUMAVIEW line. The distance file separates columns with spaces; commas keep one
    // node on one "key=value" line.
    private const string InitScript = """
        #!/bin/busybox sh
        /bin/busybox --install -s /bin
        export PATH=/bin
        dmesg -n 1
        mount -t proc proc /proc
        mount -t sysfs sysfs /sys
        for n in /sys/devices/system/node/node[0-9]*; do
          echo "NUMAVIEW node=${n##*/node} cpus=$(cat $n/cpulist) memtotal_kb=$(awk '/MemTotal/ {print $4}' $n/meminfo) distance=$(tr ' ' , < $n/distance)"
        done
        echo NUMAVIEW-END
        poweroff -f

        """;

    /// <summary>A static busybox (no ELF interpreter: the initramfs has no libc), or null; Debian's busybox-static.</summary>
    public static string? StaticBusybox() =>
        BusyboxPaths.FirstOrDefault(path =>
            File.Exists(path) && File.ReadAllBytes(path).AsSpan().IndexOf("/ld-linux"u8) < 0);

    /// <summary>The newest /boot/vmlinuz-* (Debian's kernel: NUMA, ACPI SRAT/SLIT and a serial console built in), or null.</summary>
    public static string? Kernel() => Directory.Exists("/boot")
        ? Directory.GetFiles("/boot", "vmlinuz-*").Order(StringComparer.Ordinal).LastOrDefault()
        : null;

    public static byte[] Initramfs(string busybox) => new CpioNewcArchive()
        .Directory("bin")
        .File("bin/busybox", File.ReadAllBytes(busybox))
        .Directory("dev")
        .CharacterDevice("dev/console", 5, 1)
        .Directory("proc")
        .Directory("sys")
        .File("init", Encoding.ASCII.GetBytes(InitScript.ReplaceLineEndings("\n")))
        .Build();

    /// <summary>Every node line the guest printed, in node order.</summary>
    public static IReadOnlyList<GuestNodeView> Parse(string serial) =>
        NodeLine().Matches(serial)
            .Select(m => new GuestNodeView(
                int.Parse(m.Groups["node"].Value, CultureInfo.InvariantCulture),
                CpuSet.Parse(m.Groups["cpus"].Value),
                long.Parse(m.Groups["kb"].Value, CultureInfo.InvariantCulture) * 1024,
                m.Groups["distance"].Value.Split(',').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToList()))
            .OrderBy(v => v.Node)
            .ToList();

    [GeneratedRegex(@"NUMAVIEW node=(?<node>\d+) cpus=(?<cpus>[0-9,-]*) memtotal_kb=(?<kb>\d+) distance=(?<distance>\d+(,\d+)*)")]
    private static partial Regex NodeLine();
}
