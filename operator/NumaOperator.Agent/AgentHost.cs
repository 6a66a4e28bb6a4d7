using k8s;
using Microsoft.Extensions.Logging;

namespace NumaOperator.Agent;

/// <summary>The node agent: topology publisher, VM runtime reconciler, numastat sampler (skeleton; being built).</summary>
public sealed class AgentHost(IKubernetes client, AgentOptions options, ILoggerFactory? loggers = null)
{
    public IKubernetes Client { get; } = client;

    public AgentOptions Options { get; } = options;

    public ILoggerFactory? Loggers { get; } = loggers;

    /// <summary>Caches synced and the topology published.</summary>
    public bool IsReady { get; private set; }

    public Task RunAsync(CancellationToken ct) => throw new NotImplementedException("agent is being built (issue 6)");
}
