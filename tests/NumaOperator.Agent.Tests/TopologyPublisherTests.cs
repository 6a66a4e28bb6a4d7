using k8s;
using Microsoft.Extensions.Logging;
using NumaOperator.Agent.Topology;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>The topology publisher's loop: a failure it did not foresee is reported and retried, never the loop's silent end.</summary>
public sealed class TopologyPublisherTests
{
    /// <summary>Fails every request the way a bug below the client would (not an HTTP or I/O error).</summary>
    private sealed class BrokenHandler : DelegatingHandler
    {
        public int Calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            throw new InvalidOperationException("no converter for NumaNodeTopology");
        }
    }

    [Fact]
    public async Task An_unforeseen_failure_is_logged_as_an_error_naming_it_and_publishing_is_tried_again()
    {
        var handler = new BrokenHandler();
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = "http://127.0.0.1:9" }, handler);
        using var logs = new CollectingLoggerProvider(LogLevel.Warning);
        var options = new AgentOptions
        {
            NodeName = "worker-1",
            SysfsRoot = RepoPaths.Fixture("sysfs", "intel-2s-smt"),
            TopologyPollInterval = TimeSpan.FromMilliseconds(50),
        };
        using var publisher = new TopologyPublisher(client, options, new FakeVmRuntime(), logs.CreateLogger("topology"));
        using var stop = new CancellationTokenSource();

        var running = publisher.RunAsync(stop.Token);
        await Eventually.HoldsAsync(() => Volatile.Read(ref handler.Calls) >= 2, TimeSpan.FromSeconds(10), "the publisher tried again after the failure");

        Assert.False(running.IsCompleted, "the loop ended: " + running.Exception?.InnerException?.Message);
        Assert.Contains(logs.Lines, line => line.Contains("publishing NumaNodeTopology worker-1 failed (InvalidOperationException): no converter for NumaNodeTopology", StringComparison.Ordinal));
        Assert.False(publisher.HasPublished);
        await stop.CancelAsync();
        await running;
    }
}
