using System.Reflection;

namespace NumaOperator.Tests.Shared;

/// <summary>Locates files of this repository from a test's output directory.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NumaOperator.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException($"NumaOperator.sln not found above {AppContext.BaseDirectory}");
    });

    /// <summary>The repository root (the folder holding NumaOperator.sln).</summary>
    public static string Root => RootLazy.Value;

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>tests/fixtures/...</summary>
    public static string Fixture(params string[] parts) => Path.Combine([Root, "tests", "fixtures", .. parts]);

    /// <summary>The built numa-operator.dll (its path is stamped into every test assembly by tests/Directory.Build.props).</summary>
    public static string CliDll { get; } = typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NumaOperatorCli").Value!;
}
