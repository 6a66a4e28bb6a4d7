using System.Net;
using System.Net.Sockets;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Tests;

public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Healthz_answers_always_and_readyz_follows_readiness()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var ready = false;
        using var endpoint = new HealthEndpoint($"http://127.0.0.1:{port}/", () => ready);
        using var stop = new CancellationTokenSource();
        var serving = endpoint.RunAsync(stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("healthz", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode);
            ready = true;
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("metrics", UriKind.Relative))).StatusCode);
        }
        finally
        {
            await stop.CancelAsync();
            await serving;
        }
    }
}
