using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Monitoring.Tests;

/// <summary>
/// A real Prometheus server (Debian's package) on loopback, a child of the test: scrapes the given targets every
/// second, evaluates the given rule file every second, keeps its data in a temp dir removed on dispose.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process process;
    private readonly string directory;
    private readonly StringBuilder log = new();
    private readonly HttpClient http;

    private PrometheusServer(Process process, string directory, int port)
    {
        this.process = process;
        this.directory = directory;
        Address = new Uri($"http://127.0.0.1:{port}/");
        http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public static async Task<PrometheusServer> StartAsync(string rules, IEnumerable<(string Job, int Port)> targets)
    {
        var directory = Directory.CreateTempSubdirectory("numaop-prometheus-").FullName;
        File.WriteAllText(Path.Combine(directory, "rules.yaml"), rules);
        var config = new StringBuilder("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\nrule_files: [rules.yaml]\nscrape_configs:\n");
        foreach (var (job, target) in targets)
        {
            config.Append($"  - job_name: {job}\n    static_configs: [{{targets: ['127.0.0.1:{target}']}}]\n");
        }

        File.WriteAllText(Path.Combine(directory, "prometheus.yml"), config.ToString());
        var port = FreePort();
        var start = new ProcessStartInfo(MonitoringTools.Prometheus ?? throw new InvalidOperationException(MonitoringTools.MissingReason))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[] { "--config.file=prometheus.yml", "--storage.tsdb.path=data", $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        var server = new PrometheusServer(process, directory, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Eventually.UntilAsync(
            async () => (await server.http.GetAsync(new Uri("-/ready", UriKind.Relative))).StatusCode,
            code => code == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30),
            "prometheus ready", context: () => server.Log);
        return server;
    }

    /// <summary>An instant query's result vector (fails on a query error).</summary>
    public async Task<JsonArray> QueryAsync(string expr)
    {
        var body = await GetDataAsync("api/v1/query?query=" + Uri.EscapeDataString(expr), expr);
        return body["result"]!.AsArray();
    }

    /// <summary>Rule groups with each rule's health and last error.</summary>
    public async Task<JsonArray> RuleGroupsAsync() => (await GetDataAsync("api/v1/rules", "rules"))["groups"]!.AsArray();

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        http.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private async Task<JsonNode> GetDataAsync(string path, string what)
    {
        var text = await http.GetStringAsync(new Uri(path, UriKind.Relative));
        var response = JsonNode.Parse(text)!;
        Assert.True(response["status"]?.GetValue<string>() == "success", $"{what}: {text}");
        return response["data"]!;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
