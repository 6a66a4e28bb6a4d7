using k8s;
using NumaOperator.ApiServer;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Cli.Tests;

/// <summary>A real embedded API server, its kubeconfig in a temp dir and a client: what a CLI command test runs against.</summary>
public sealed class EmbeddedCliServer : IAsyncDisposable
{
    public static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);
    private readonly string dir;
    private readonly EmbeddedApiServer server;

    private EmbeddedCliServer(EmbeddedApiServer server, string dir)
    {
        this.server = server;
        this.dir = dir;
        Kubeconfig = Path.Combine(dir, "kubeconfig");
        server.WriteKubeconfig(Kubeconfig);
        Client = new Kubernetes(server.ClientConfiguration());
    }

    public Kubernetes Client { get; }

    public string Kubeconfig { get; }

    public static async Task<EmbeddedCliServer> StartAsync(string prefix) =>
        new(await EmbeddedApiServer.StartAsync(new ApiServerOptions()), Directory.CreateTempSubdirectory(prefix).FullName);

    /// <summary>numa-operator with <paramref name="args"/> and this server's --kubeconfig.</summary>
    public Task<CliResult> RunAsync(params string[] args) => CliProcess.RunAsync(CliTimeout, [.. args, "--kubeconfig", Kubeconfig]);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await server.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }
}
