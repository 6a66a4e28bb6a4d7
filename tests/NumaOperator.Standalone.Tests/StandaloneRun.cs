using NumaOperator.Cli.Standalone;
using NumaOperator.Numa.Quantities;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Standalone.Tests;

/// <summary>A temp data dir and VM manifest for one standalone run, and the cleanup of everything a run may leave behind.</summary>
public sealed class StandaloneRun : IAsyncDisposable
{
    public StandaloneRun(string vmName)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("numaop-standalone-").FullName;
        VmName = vmName;
        Manifest = Path.Combine(Directory, "vm.yaml");
        File.WriteAllText(Manifest, $"""
            apiVersion: numaoperator.io/v1alpha1
            kind: NumaVirtualMachine
            metadata:
              name: {vmName}
              namespace: default
            spec:
              accelerator: Any
              cpu:
                cores: 1
              memory:
                size: 64Mi
                hugepages:
                  pageSize: 2Mi
              numa:
                nodes: "0"
            """);
    }

    /// <summary>Pages the VM needs (64 MiB of 2 MiB pages).</summary>
    public const long Pages = 32;

    public string Directory { get; }

    public string DataDir => Path.Combine(Directory, "data");

    public string Kubeconfig => Path.Combine(Directory, "kubeconfig");

    public string Manifest { get; }

    public string VmName { get; }

    /// <summary>
    /// 2 MiB pages in use on host node 0 (total - free). Unlike free pages this does not move when another test raises
    /// or lowers the pool at the same time, only when someone maps or frees pages.
    /// </summary>
    public static long UsedPages()
    {
        var pool = new HugepagePools().ReadPool(0, PageSize.Huge2Mi.Bytes);
        return pool.Total - pool.Free;
    }

    public static async Task<bool> WaitUsedPagesAtMostAsync(long pages, TimeSpan timeout) =>
        await Eventually.LastReadingAsync(() => Task.FromResult(UsedPages()), used => used <= pages, timeout, TimeSpan.FromMilliseconds(200)) <= pages;

    /// <summary>Kills QEMU started under this dir, gives back hugepages the CLI recorded, unmounts its hugetlbfs, deletes the dir.</summary>
    public async ValueTask DisposeAsync()
    {
        HostProcesses.Kill(HostProcesses.QemuUnder(Directory));
        if (System.IO.Directory.Exists(DataDir))
        {
            await new HugepageReservation(new HugepagePools(), DataDir, TextWriter.Null).ReleaseAsync(CancellationToken.None);
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
