using NumaOperator.Numa.Discovery;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Numa.Tests.Discovery;

/// <summary>Reads the committed sysfs fixture trees (tests/fixtures/sysfs/MACHINE, written by generate.py).</summary>
internal static class SysfsFixture
{
    public static string Root(string machine) => RepoPaths.Fixture("sysfs", machine);

    public static DiscoveredHost Read(string machine) => new SysfsTopologyReader(Root(machine)).Read();
}

/// <summary>A private copy of a fixture tree that a test may corrupt; deleted on dispose.</summary>
internal sealed class ScratchSysfs : IDisposable
{
    public ScratchSysfs(string machine)
    {
        Root = Path.Combine(Path.GetTempPath(), "numaop-sysfs-" + Guid.NewGuid().ToString("N"));
        Copy(SysfsFixture.Root(machine), Root);
    }

    public string Root { get; }

    public string PathOf(string relative) => System.IO.Path.Combine(Root, relative);

    public void Write(string relative, string content) => File.WriteAllText(PathOf(relative), content);

    public void Delete(string relative) => File.Delete(PathOf(relative));

    public DiscoveredHost Read() => new SysfsTopologyReader(Root).Read();

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, System.IO.Path.Combine(to, System.IO.Path.GetFileName(file)));
        }

        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            Copy(dir, System.IO.Path.Combine(to, System.IO.Path.GetFileName(dir)));
        }
    }
}
