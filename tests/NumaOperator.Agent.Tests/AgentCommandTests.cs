using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>`numa-operator agent` as a process: bad flags exit 2 naming the flag; a real run publishes, serves health and stops cleanly on SIGTERM.</summary>
public sealed class AgentCommandTests
{
    [Theory]
    [InlineData("--launch-strategy", "docker", "allowed: direct, systemd-run")]
    [InlineData("--sample-interval", "15", "500ms, 15s")]
    [InlineData("--qemu-user", "qemu", "UID:GID (decimal")]
    [InlineData("--health-listen", "8081", "http://+:8081/")]
    [InlineData("--metrics-listen", "localhost:9464", "http://+:9464/")]
    [InlineData("--kubeconfig", "/nonexistent/kubeconfig", "does not exist")]
    [InlineData("--console-listen", "localhost:10260", "expected IP:PORT")]
    [InlineData("--serial-log-max-bytes", "100", "at least 4096")]
    [InlineData("--image-access", "team-a=/etc", "NAMESPACE=DIR[,DIR...]")]
    public async Task Bad_flags_exit_two_naming_the_flag_and_the_allowed_values(string flag, string value, string hint)
    {
        var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "agent", "--node-name", "n1", flag, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(flag, result.Stderr, StringComparison.Ordinal);
        Assert.Contains(hint, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_without_node_name_exits_two()
    {
        var start = CliUnderTest.Start(["agent"]);
        start.Environment.Remove("NODE_NAME");
        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--node-name", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_against_a_kubeconfig_publishes_serves_health_and_exits_zero_on_sigterm()
    {
        await using var fixture = await AgentFixture.StartAsync();
        var dir = Directory.CreateTempSubdirectory("numaop-agent-cli-").FullName;
        var kubeconfig = Path.Combine(dir, "kubeconfig");
        fixture.Server.WriteKubeconfig(kubeconfig);
        var port = FreePort();
        var start = CliUnderTest.Start(
        [
            "agent", "--node-name", "cli-node", "--kubeconfig", kubeconfig, "--state-dir", Path.Combine(dir, "state"),
            "--sysfs-root", RepoPaths.Fixture("sysfs", "amd-epyc-nps4"), "--launch-strategy", "systemd-run", "--sample-interval", "2s",
            "--health-listen", $"http://127.0.0.1:{port}/", "--console-listen", "127.0.0.1:0",
        ]);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var topology = await fixture.WaitForAsync(() => fixture.TopologyAsync("cli-node"), t => t?.Status?.NumaNodes.Count > 0, "cli agent published", seconds: 60);
            Assert.Equal(8, topology!.Status!.NumaNodes.Count); // two sockets in NPS4
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("healthz", UriKind.Relative))).StatusCode);
            await fixture.WaitForAsync(async () => (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode, s => s == HttpStatusCode.OK, "readyz 200");

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
            Assert.Contains("launch strategy systemd-run", await stdout, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
