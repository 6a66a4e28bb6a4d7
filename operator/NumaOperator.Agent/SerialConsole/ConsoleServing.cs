using Microsoft.Extensions.Logging;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Agent.SerialConsole;

/// <summary>The agent's console endpoint as it runs, with what the node's NumaNodeTopology publishes about it.</summary>
internal sealed class ConsoleServing(ConsoleEndpoint endpoint, ConsoleEndpointStatus status) : IAsyncDisposable
{
    public ConsoleEndpoint Endpoint { get; } = endpoint;

    public ConsoleEndpointStatus Status { get; } = status;

    /// <summary>Starts the endpoint when <see cref="AgentOptions.ConsoleListen"/> is set; null otherwise.</summary>
    public static async Task<ConsoleServing?> StartAsync(AgentHost host, ObjectCache<NumaVirtualMachine> vms, IVmRuntime runtime, ILogger log, CancellationToken ct)
    {
        var options = host.Options;
        if (options.ConsoleListen is not { } listen)
        {
            return null;
        }

        var endpoint = await ConsoleEndpoint.StartAsync(
            listen,
            Path.Combine(options.StateDirectory, "console"),
            new ConsoleTargets(vms, runtime, options.NodeName),
            new ConsoleAccessReview(host.Client),
            log,
            ct);
        var advertised = new UriBuilder(Uri.UriSchemeHttps, options.ConsoleAdvertiseAddress ?? listen.Address.ToString(), endpoint.BaseAddress.Port).Uri;
        log.LogInformation("console endpoint listening on {Listen}, published as {Url}", endpoint.BaseAddress, advertised);
        return new ConsoleServing(endpoint, new ConsoleEndpointStatus
        {
            Url = advertised.ToString().TrimEnd('/'),
            CertificateAuthority = endpoint.CertificateAuthorityPem,
        });
    }

    public ValueTask DisposeAsync() => Endpoint.DisposeAsync();
}
