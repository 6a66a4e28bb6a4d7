using System.Diagnostics;

namespace NumaOperator.Tests.Shared;

/// <summary>
/// The numa-operator the tests start as a child process, chosen by NUMAOP_TEST_CLI:
/// <list type="bullet">
/// <item>`build` (the default): the built numa-operator.dll under `dotnet`, so a change is tested without a publish;</item>
/// <item>`published`: the executable as tests/tools/publish.sh ships it (Native AOT, <see cref="PublishedCli"/>). tests/run.sh
/// sets it, so CI tests what the image runs.</item>
/// <item>an absolute path: that executable (a publish made by hand, e.g. to try a publish flag).</item>
/// </list>
/// </summary>
public static class CliUnderTest
{
    private static readonly Lazy<IReadOnlyList<string>> CommandLazy = new(() =>
        Environment.GetEnvironmentVariable("NUMAOP_TEST_CLI") switch
        {
            null or "" or "build" => CommandFor(RepoPaths.CliDll),
            "published" => CommandFor(PublishedCli.Executable),
            var path when Path.IsPathFullyQualified(path) && File.Exists(path) => CommandFor(path),
            var other => throw new InvalidOperationException(
                $"NUMAOP_TEST_CLI={other}: allowed values are build (the default), published, or the absolute path of an existing numa-operator executable"),
        });

    /// <summary>The argv that starts numa-operator (program first), before its own arguments.</summary>
    public static IReadOnlyList<string> Command => CommandLazy.Value;

    /// <summary>The argv that starts <paramref name="cli"/>: a numa-operator.dll under `dotnet`, a published executable itself.</summary>
    public static IReadOnlyList<string> CommandFor(string cli) => cli.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", cli] : [cli];

    /// <summary>The start of numa-operator with <paramref name="args"/>, output redirected.</summary>
    public static ProcessStartInfo Start(IEnumerable<string> args) => ChildProcess.Start(Command[0], [.. Command.Skip(1), .. args]);
}
