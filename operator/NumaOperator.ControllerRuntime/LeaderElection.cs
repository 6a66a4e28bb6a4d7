using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace NumaOperator.ControllerRuntime;

/// <summary>Lease name, namespace, this instance's identity and the lease timings.</summary>
public sealed record LeaderElectionOptions(string Namespace, string LeaseName, string Identity)
{
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Runs <c>lead</c> only while this instance holds the coordination.k8s.io Lease (KubernetesClient's LeaderElector).
/// Losing the lease cancels <c>lead</c>'s token at once: when the elector gives up renewing (OnStoppedLeading), and
/// earlier, as soon as a renewal attempt finds another holder in the Lease (OnNewLeader). Each new term calls
/// <c>lead</c> afresh, so its caches are listed again. On a clean shutdown (the token cancelled) the leader waits for
/// <c>lead</c> to return, then releases the Lease (holderIdentity emptied, as client-go's ReleaseOnCancel does;
/// KubernetesClient's elector has no release of its own), so a standby takes over within its RetryPeriod instead of
/// waiting out the LeaseDuration.
/// </summary>
public sealed class LeaderElection(IKubernetes client, LeaderElectionOptions options, ILogger? logger = null)
{
    private readonly ILogger log = logger ?? NullLogger.Instance;
    private volatile bool leading;
    private int terms;

    public bool IsLeader => leading;

    /// <summary>How many terms this instance has led.</summary>
    public int Terms => Volatile.Read(ref terms);

    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            using var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(client, options.Namespace, options.LeaseName, options.Identity))
            {
                LeaseDuration = options.LeaseDuration,
                RenewDeadline = options.RenewDeadline,
                RetryPeriod = options.RetryPeriod,
            });
            using var term = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task? running = null;
            elector.OnStartedLeading += () =>
            {
                leading = true;
                Interlocked.Increment(ref terms);
                log.LogInformation("{Identity} leads {Lease}", options.Identity, options.LeaseName);
                running = Task.Run(() => lead(term.Token), CancellationToken.None);
            };
            elector.OnNewLeader += holder =>
            {
                if (leading && holder != options.Identity)
                {
                    // Someone else holds the Lease now: stop acting before the elector's RenewDeadline runs out. The term's
                    // token also ends this elector's run (a renewal that succeeded later would otherwise keep the Lease
                    // with nobody working); the next elector competes afresh.
                    log.LogWarning("{Identity} sees {Holder} holding {Lease}; stopping work", options.Identity, holder, options.LeaseName);
                    leading = false;
                    term.Cancel();
                }
            };
            elector.OnStoppedLeading += () =>
            {
                leading = false;
                term.Cancel();
            };
            try
            {
                await elector.RunUntilLeadershipLostAsync(term.Token);
            }
            catch (OperationCanceledException) when (term.IsCancellationRequested)
            {
            }
            finally
            {
                leading = false;
                await term.CancelAsync();
                if (running is not null)
                {
                    await running.ContinueWith(
                        t =>
                        {
                            if (t.Exception is { } e)
                            {
                                log.LogError(e, "leader work failed");
                            }
                        },
                        TaskScheduler.Default);
                }
            }

            if (ct.IsCancellationRequested)
            {
                if (running is not null)
                {
                    await ReleaseAsync();
                }

                return;
            }

            log.LogWarning("{Identity} lost the lease {Lease}; standing by", options.Identity, options.LeaseName);
        }
    }

    /// <summary>
    /// Empties holderIdentity if the Lease still names this instance (the write carries the read's resourceVersion,
    /// so a Lease taken over meanwhile is left alone). Best effort: the Lease expires anyway if this fails.
    /// </summary>
    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(options.RenewDeadline);
        try
        {
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(options.LeaseName, options.Namespace, cancellationToken: timeout.Token);
            if (lease.Spec?.HolderIdentity != options.Identity)
            {
                return;
            }

            var now = DateTime.UtcNow;
            lease.Spec.HolderIdentity = string.Empty;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.AcquireTime = now;
            lease.Spec.RenewTime = now;
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, options.LeaseName, options.Namespace, cancellationToken: timeout.Token);
            log.LogInformation("{Identity} released {Lease}", options.Identity, options.LeaseName);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            log.LogWarning("{Identity} could not release {Lease} ({Message}); it expires after {Duration}", options.Identity, options.LeaseName, e.Message, options.LeaseDuration);
        }
    }
}
