using System.Diagnostics;
using NumaOperator.Tests.Shared;
using Xunit;

namespace NumaOperator.Numa.Tests.Discovery;

/// <summary>The committed fixture trees are exactly what generate.py writes, so editing one without the other fails.</summary>
public sealed class FixtureGenerationTests
{
    [SkippableFact]
    public void Committed_sysfs_trees_match_the_generator()
    {
        var python = HostCapabilities.FindOnPath("python3");
        Skip.If(python is null, "python3 is not installed");
        var committed = RepoPaths.Fixture("sysfs");
        var generated = Path.Combine(Path.GetTempPath(), "numaop-sysfs-gen-" + Guid.NewGuid().ToString("N"));
        try
        {
            var start = new ProcessStartInfo(python!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(Path.Combine(committed, "generate.py"));
            start.ArgumentList.Add("--out");
            start.ArgumentList.Add(generated);
            using (var process = Process.Start(start)!)
            {
                var stderr = process.StandardError.ReadToEndAsync();
                _ = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                Assert.True(process.ExitCode == 0, "generate.py failed: " + stderr.Result);
            }

            var machines = Directory.GetDirectories(generated).Select(Path.GetFileName).Order().ToList();
            Assert.Equal(7, machines.Count);
            foreach (var machine in machines)
            {
                var expected = Files(Path.Combine(generated, machine!));
                var actual = Files(Path.Combine(committed, machine!));
                Assert.Equal(expected.Keys, actual.Keys);
                foreach (var (file, content) in expected)
                {
                    Assert.True(content == actual[file], $"{machine}/{file} differs from what generate.py writes; rerun it");
                }
            }
        }
        finally
        {
            if (Directory.Exists(generated))
            {
                Directory.Delete(generated, recursive: true);
            }
        }
    }

    private static SortedDictionary<string, string> Files(string root) =>
        new(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllText), StringComparer.Ordinal);
}
