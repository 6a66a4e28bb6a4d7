using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>`numa-operator controller` as a process: its reconciles reach the Prometheus scrape endpoint.</summary>
public sealed class ControllerCommandTelemetryTests
{
    [Fact]
    public async Task Reconciles_show_up_on_the_prometheus_endpoint()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.AddNodeAsync("node-a", 512, 512);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"numaop-metrics-{Guid.NewGuid():N}.kubeconfig");
        fixture.Server.WriteKubeconfig(kubeconfig);
        var port = FreePort();
        var info = CliUnderTest.Start(["controller", "--kubeconfig", kubeconfig, "--metrics-listen", $"http://127.0.0.1:{port}/"]);
        using var controller = Process.Start(info)!;
        controller.OutputDataReceived += (_, _) => { };
        controller.ErrorDataReceived += (_, _) => { };
        controller.BeginOutputReadLine();
        controller.BeginErrorReadLine();
        try
        {
            await fixture.CreateAsync(ControllerFixture.Vm("metered", cores: 1, size: "512Mi"));
            using var http = new HttpClient();
            var body = await Eventually.LastReadingAsync(
                async () =>
                {
                    try
                    {
                        return await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                    }
                    catch (HttpRequestException)
                    {
                        return string.Empty; // not listening yet
                    }
                },
                text => text.Contains("numaoperator_controller_reconcile_results", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60),
                TimeSpan.FromMilliseconds(500));

            Assert.Contains("numaoperator_controller_reconcile_duration", body, StringComparison.Ordinal);
            Assert.Contains("numaoperator_controller_reconcile_results", body, StringComparison.Ordinal);
            Assert.Contains("numaoperator_controller_queue_depth", body, StringComparison.Ordinal);
        }
        finally
        {
            controller.Kill(entireProcessTree: true);
            await controller.WaitForExitAsync();
            File.Delete(kubeconfig);
        }
    }

    [Theory]
    [InlineData("--metrics-listen", "9464")]
    [InlineData("--health-listen", "http://+:x/")]
    public async Task A_bad_listen_prefix_is_bad_input(string option, string value)
    {
        var run = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "controller", option, value, "--kubeconfig", "/nonexistent");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(option, run.Stderr, StringComparison.Ordinal);
        Assert.Contains("http://+:", run.Stderr, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
