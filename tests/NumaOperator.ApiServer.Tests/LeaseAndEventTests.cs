using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using NumaOperator.Tests.Shared;

namespace NumaOperator.ApiServer.Tests;

/// <summary>coordination.k8s.io Leases through KubernetesClient's LeaderElector, and core/events.k8s.io Events.</summary>
public sealed class LeaseAndEventTests
{
    [Fact]
    public async Task Exactly_one_leader_elector_acquires_the_lease_and_another_takes_over_when_it_stops()
    {
        await using var server = await TestServer.StartAsync();
        using var clientA = TestServer.Client(server);
        using var clientB = TestServer.Client(server);
        LeaderElector Elector(Kubernetes client, string identity) => new(new LeaderElectionConfig(new LeaseLock(client, "kube-system", "numa-operator", identity))
        {
            // Generous against a busy CI machine: a missed renewal would hand over the lease and fail the XOR below.
            LeaseDuration = TimeSpan.FromSeconds(4),
            RenewDeadline = TimeSpan.FromSeconds(3),
            RetryPeriod = TimeSpan.FromMilliseconds(250),
        });

        using var a = Elector(clientA, "a");
        using var b = Elector(clientB, "b");
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunUntilLeadershipLostAsync(stopA.Token);
        var runB = b.RunUntilLeadershipLostAsync(stopB.Token);
        try
        {
            await Eventually.HoldsAsync(() => a.IsLeader() || b.IsLeader(), TimeSpan.FromSeconds(20), "an elector leads", TimeSpan.FromMilliseconds(50));
            await Eventually.ConsistentlyAsync(() => Task.FromResult(a.IsLeader() && b.IsLeader()), both => !both, TimeSpan.FromMilliseconds(600), "never two leaders");
            Assert.True(a.IsLeader() ^ b.IsLeader(), "exactly one elector must lead");
            var (leader, stopLeader, follower) = a.IsLeader() ? ("a", stopA, b) : ("b", stopB, a);
            var lease = await clientA.CoordinationV1.ReadNamespacedLeaseAsync("numa-operator", "kube-system");
            Assert.Equal(leader, lease.Spec.HolderIdentity);

            await stopLeader.CancelAsync();
            await Eventually.HoldsAsync(follower.IsLeader, TimeSpan.FromSeconds(20), "the follower takes the lease", TimeSpan.FromMilliseconds(50));

            var taken = await clientA.CoordinationV1.ReadNamespacedLeaseAsync("numa-operator", "kube-system");
            Assert.NotEqual(leader, taken.Spec.HolderIdentity);
        }
        finally
        {
            await stopA.CancelAsync();
            await stopB.CancelAsync();
            await Task.WhenAll(runA, runB).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [Fact]
    public async Task Core_and_events_v1_events_are_stored_and_listed()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        await client.CoreV1.CreateNamespacedEventAsync(
            new Corev1Event
            {
                Metadata = new V1ObjectMeta { Name = "db1.1", NamespaceProperty = "default" },
                InvolvedObject = new V1ObjectReference { Kind = "NumaVirtualMachine", Name = "db1", NamespaceProperty = "default" },
                Reason = "Scheduled",
                Message = "placed on node 1",
                Type = "Normal",
            },
            "default");
        await client.EventsV1.CreateNamespacedEventAsync(
            new Eventsv1Event
            {
                Metadata = new V1ObjectMeta { Name = "db1.2", NamespaceProperty = "default" },
                EventTime = DateTime.UtcNow,
                Regarding = new V1ObjectReference { Kind = "NumaVirtualMachine", Name = "db1", NamespaceProperty = "default" },
                Reason = "NotAligned",
                Note = "memory on node 0",
                Type = "Warning",
                Action = "Measure",
                ReportingController = "numaoperator.io/agent",
                ReportingInstance = "agent-1",
            },
            "default");

        var core = await client.CoreV1.ListNamespacedEventAsync("default");
        Assert.Equal("Scheduled", Assert.Single(core.Items).Reason);
        var events = await client.EventsV1.ListNamespacedEventAsync("default");
        Assert.Equal("memory on node 0", Assert.Single(events.Items).Note);

        var missingNamespace = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.CreateNamespacedEventAsync(
            new Corev1Event { Metadata = new V1ObjectMeta { Name = "x" }, InvolvedObject = new V1ObjectReference() }, "nowhere"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missingNamespace.Response.StatusCode);
        Assert.Contains("namespaces \\\"nowhere\\\" not found", missingNamespace.Response.Content, StringComparison.Ordinal);
    }
}
