using NumaOperator.Tests.Shared;

namespace NumaOperator.ApiServer.Tests;

/// <summary>Runs a real kubectl binary against an embedded server (own kubeconfig and discovery cache per test).</summary>
internal sealed class Kubectl(string binary, string kubeconfig, string workDir)
{
    /// <summary>kubectl 1.32 (the system one) and 1.33 (fetched by tests/tools/fetch-kube-tools.sh into .tools/).</summary>
    public static string? Find(string version) => version switch
    {
        "1.32" => HostCapabilities.FindOnPath("kubectl"),
        "1.33" => File.Exists(RepoPaths.Combine(".tools", "kubectl-1.33", "kubectl")) ? RepoPaths.Combine(".tools", "kubectl-1.33", "kubectl") : null,
        _ => null,
    };

    public static string MissingReason(string version) => version == "1.33"
        ? "kubectl 1.33 not found at .tools/kubectl-1.33/kubectl; run tests/tools/fetch-kube-tools.sh"
        : "kubectl not found on PATH";

    /// <summary>
    /// Runs <paramref name="body"/> with the kubectl <paramref name="binary"/> against a fresh in-memory server and a
    /// temporary working directory (holding the kubeconfig), which is removed afterwards.
    /// </summary>
    public static async Task WithServerAsync(string binary, Func<Kubectl, EmbeddedApiServer, string, Task> body)
    {
        var dir = TestServer.TempDir();
        try
        {
            await using var server = await TestServer.StartAsync();
            server.WriteKubeconfig(Path.Combine(dir, "kubeconfig"));
            await body(new Kubectl(binary, Path.Combine(dir, "kubeconfig"), dir), server, dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        KubectlProcess.RunAsync(binary, kubeconfig, workDir, TimeSpan.FromSeconds(60), args);

    public async Task<string> OkAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited {code}: {stderr}{stdout}");
        return stdout;
    }
}
