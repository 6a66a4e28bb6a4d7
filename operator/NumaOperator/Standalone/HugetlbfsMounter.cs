using System.Diagnostics;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Cli.Standalone;

/// <summary>Mounts and unmounts hugetlbfs with the mount(8) program (argv, no shell).</summary>
public static class HugetlbfsMounter
{
    /// <summary>The hugetlbfs mount serving <paramref name="pageSize"/>, or null.</summary>
    public static HugetlbfsMount? Find(PageSize pageSize) => HugetlbfsMounts.ForPageSize(HugetlbfsMounts.Discover(), pageSize.Bytes);

    /// <summary>The pagesize= option mount(8) takes: "2M", "1G".</summary>
    public static string PageSizeOption(PageSize pageSize) =>
        pageSize.Bytes >= 1L << 30 ? $"{pageSize.Bytes >> 30}G" : $"{pageSize.Bytes >> 20}M";

    /// <summary>The mount command as a person would type it.</summary>
    public static string CommandLine(string mountPoint, PageSize pageSize) =>
        $"mount -t hugetlbfs -o pagesize={PageSizeOption(pageSize)} none {mountPoint}";

    public static async Task MountAsync(string mountPoint, PageSize pageSize, CancellationToken ct)
    {
        Directory.CreateDirectory(mountPoint);
        await RunAsync(["mount", "-t", "hugetlbfs", "-o", "pagesize=" + PageSizeOption(pageSize), "none", mountPoint], ct);
        if (!HugetlbfsMounts.IsHugetlbfs(mountPoint))
        {
            throw new IOException($"mounted hugetlbfs at {mountPoint}, but statfs does not report hugetlbfs there");
        }
    }

    public static Task UnmountAsync(string mountPoint, CancellationToken ct) => RunAsync(["umount", mountPoint], ct);

    private static async Task RunAsync(string[] argv, CancellationToken ct)
    {
        var start = new ProcessStartInfo(argv[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new IOException($"{argv[0]} could not be started");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        _ = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new IOException($"{string.Join(' ', argv)} failed (exit {process.ExitCode}): {(await stderr).Trim()}");
        }
    }
}
