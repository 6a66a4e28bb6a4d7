using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using NumaOperator.Agent.SerialConsole;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.ApiServer.Http.Authentication;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// The agent's console endpoint against the embedded API server (real HTTPS, real TokenReview and SubjectAccessReview)
/// with the fake VM runtime: who may reach a VM's console or log is the API server's decision, not the agent's.
/// </summary>
public sealed class ConsoleEndpointTests
{
    private const string Node = "console-node";
    private const string ViewerToken = "viewer-token-0123456789abcdef";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_api_server_decides_who_reaches_a_vms_console_and_log_and_the_agent_publishes_where()
    {
        var state = Directory.CreateTempSubdirectory("numaop-console-agent-");
        try
        {
            await using var fixture = await AgentFixture.StartAsync(new ApiServerOptions
            {
                BookmarkInterval = TimeSpan.FromSeconds(1),
                Users = [new StaticTokenUser(ViewerToken, "viewer", [StaticTokenUser.Authenticated])],
            });
            await fixture.AddNodeAsync(Node);
            var (agent, _) = fixture.StartAgent(Options(state.FullName), new FakeVmRuntime());
            fixture.StartController();
            await agent.WaitReadyAsync(CancellationToken.None).WaitAsync(Within);
            await fixture.CreateVmAsync(AgentTestVms.Vm("vm1", "vmlinuz"), new List<Guid>());
            var vm = await Eventually.UntilAsync(() => fixture.VmAsync("vm1"), v => AgentTestVms.IsReady(v) && v!.Status!.Console is not null, Within, "vm1 Ready with status.console", context: () => fixture.Log);

            var console = vm!.Status!.Console!;
            Assert.Equal($"https://127.0.0.1:{agent.ConsoleAddress!.Port}", console.Url);
            using var authority = X509Certificate2.CreateFromPem(console.CertificateAuthority);
            using var http = new HttpClient(PrivateCa.Handler(authority));
            var log = new ConsoleRoute("default", "vm1", ConsoleSubresource.Log);
            var attach = new ConsoleRoute("default", "vm1", ConsoleSubresource.Console);

            var (status, message) = await GetAsync(http, console.Url, log, token: null);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            (status, message) = await GetAsync(http, console.Url, log, "not-a-token-anyone-knows");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Contains("did not authenticate the token", message, StringComparison.Ordinal);

            (status, message) = await GetAsync(http, console.Url, attach, ViewerToken);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("User \"viewer\" cannot get resource \"numavirtualmachines/console\" in API group \"numaoperator.io\" in the namespace \"default\"", message, StringComparison.Ordinal);
            (status, message) = await GetAsync(http, console.Url, log, ViewerToken);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("\"numavirtualmachines/log\"", message, StringComparison.Ordinal);

            (status, message) = await GetAsync(http, console.Url, new ConsoleRoute("default", "elsewhere", ConsoleSubresource.Console), fixture.Server.Token);
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Contains($"NumaVirtualMachine default/elsewhere is not placed on node {Node}", message, StringComparison.Ordinal);
            (status, message) = await GetAsync(http, console.Url, attach, fixture.Server.Token);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("websocket", message, StringComparison.Ordinal);
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    private static AgentOptions Options(string state) => new()
    {
        NodeName = Node,
        SysfsRoot = RepoPaths.Fixture("sysfs", "intel-2s-smt"),
        StateDirectory = state,
        SampleInterval = TimeSpan.FromMilliseconds(500),
        LivenessInterval = TimeSpan.FromMilliseconds(100),
        TopologyPollInterval = TimeSpan.FromMilliseconds(200),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
        ConsoleListen = new IPEndPoint(IPAddress.Loopback, 0),
    };

    /// <summary>The status code and the Status message of a GET on <paramref name="route"/>.</summary>
    private static async Task<(HttpStatusCode Status, string Message)> GetAsync(HttpClient http, string baseUrl, ConsoleRoute route, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl + route.Path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? body : JsonNode.Parse(body)?["message"]?.GetValue<string>() ?? body);
    }
}
