namespace NumaOperator.ApiServer.Tests;

/// <summary>The shared client flows against the embedded server (K3sFlowTests runs the same against a real K3s).</summary>
public sealed class EmbeddedServerFlowTests
{
    [Fact]
    public async Task Shared_flows_pass()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        await ClientFlows.CrudGenerationAndStatusAsync(client, "default");
        await ClientFlows.FinalizersAsync(client, "default");
        await ClientFlows.BadInputsAsync(client, "default");
    }
}
