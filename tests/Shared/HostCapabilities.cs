namespace NumaOperator.Tests.Shared;

/// <summary>What this test host can do; tests that need more skip with the printed reason (Skip.IfNot).</summary>
public static class HostCapabilities
{
    public static bool IsRoot => Environment.UserName == "root" || string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal);

    public static bool IsLinux => OperatingSystem.IsLinux();

    public static string? FindOnPath(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static bool HasQemu => FindOnPath("qemu-system-x86_64") is not null;
}
