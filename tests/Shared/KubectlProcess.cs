using System.Diagnostics;

namespace NumaOperator.Tests.Shared;

/// <summary>
/// A real kubectl binary against one kubeconfig. With a work directory, kubectl also runs there with its discovery
/// cache and HOME in it, so no run shares state with another test or with the machine's ~/.kube.
/// </summary>
public static class KubectlProcess
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string binary, string kubeconfig, string? workDir, TimeSpan timeout, params string[] args) =>
        ChildProcess.RunAsync(StartInfo(binary, kubeconfig, workDir, args), timeout, $"kubectl {string.Join(' ', args)}");

    /// <summary>The start of one kubectl run, for tests that read its output as it comes (watches).</summary>
    public static ProcessStartInfo StartInfo(string binary, string kubeconfig, string? workDir, params string[] args)
    {
        var start = ChildProcess.Start(binary, args);
        start.Environment["KUBECONFIG"] = kubeconfig;
        if (workDir is not null)
        {
            start.WorkingDirectory = workDir;
            start.Environment["KUBECACHEDIR"] = Path.Combine(workDir, "cache");
            start.Environment["HOME"] = workDir;
        }

        return start;
    }
}
