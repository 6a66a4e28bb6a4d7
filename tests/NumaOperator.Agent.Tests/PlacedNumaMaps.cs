using System.Globalization;
using System.Text;
using NumaOperator.Agent.Runtime;
using NumaOperator.Numa.Placement;
using NumaOperator.Qemu.Measurement;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// A numa_maps sample of a QEMU whose every backend is resident on its placed host node and bound as placed, written
/// as the kernel prints it and measured by the real measurer: what a fake runtime reports for a healthy VM.
/// </summary>
internal static class PlacedNumaMaps
{
    private const string HugetlbfsMount = "/dev/hugepages";

    /// <param name="residentOn">Test only: every page resident on this host node instead of the placed one (a misplaced VM).</param>
    public static VmSample Sample(VmPlacement placement, int? residentOn = null)
    {
        var layout = GuestRamLayout.Of(placement, HugetlbfsMount);
        var numaMaps = new StringBuilder();
        var maps = new StringBuilder();
        var start = 0x7f0000000000UL;
        var pageKb = layout.PageBytes / 1024;
        foreach (var backend in layout.Backends)
        {
            var pages = backend.Bytes / layout.PageBytes;
            var end = start + (ulong)backend.Bytes;
            var file = $"{HugetlbfsMount}/qemu_back_mem.{backend.Id}.fake";
            var what = layout.IsHuge ? $"file={file} huge" : $"anon={pages}";
            numaMaps.Append(CultureInfo.InvariantCulture, $"{start:x} {layout.ExpectedPolicyMode}:{backend.HostNode} {what} dirty={pages} N{residentOn ?? backend.HostNode}={pages} kernelpagesize_kB={pageKb}\n");
            maps.Append(CultureInfo.InvariantCulture, $"{start:x}-{end:x} rw-{(layout.IsHuge ? 's' : 'p')} 00000000 00:2f 1234 {(layout.IsHuge ? file : string.Empty)}\n");
            start = end + 0x200000;
        }

        var measurement = GuestMemoryMeasurer.Measure(numaMaps.ToString(), maps.ToString(), layout);
        return new VmSample.Measured(measurement, NumaVerdict.Judge(measurement));
    }
}
