using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace NumaOperator.Controller.Runtime;

/// <summary>Lease name, namespace, this instance's identity and the lease timings.</summary>
public sealed record LeaderElectionOptions(string Namespace, string LeaseName, string Identity)
{
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Runs <c>lead</c> only while this instance holds the coordination.k8s.io Lease (KubernetesClient's LeaderElector).
/// Losing the lease cancels <c>lead</c>'s token at once (OnStoppedLeading fires after every loss, even a brief one);
/// each new term calls <c>lead</c> afresh, so its caches are listed again.
/// </summary>
public sealed class LeaderElection(IKubernetes client, LeaderElectionOptions options, ILogger? logger = null)
{
    private readonly ILogger log = logger ?? NullLogger.Instance;
    private volatile bool leading;

    public bool IsLeader => leading;

    /// <summary>How many terms this instance has led.</summary>
    public int Terms { get; private set; }

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
                Terms++;
                log.LogInformation("{Identity} leads {Lease}", options.Identity, options.LeaseName);
                running = Task.Run(() => lead(term.Token), CancellationToken.None);
            };
            elector.OnStoppedLeading += () =>
            {
                leading = false;
                term.Cancel();
            };
            try
            {
                await elector.RunUntilLeadershipLostAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
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

            if (!ct.IsCancellationRequested)
            {
                log.LogWarning("{Identity} lost the lease {Lease}; standing by", options.Identity, options.LeaseName);
            }
        }
    }
}
