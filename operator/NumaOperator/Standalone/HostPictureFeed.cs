using k8s;
using k8s.Autorest;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Rendering;

namespace NumaOperator.Cli.Standalone;

/// <summary>
/// Keeps the standalone view's NUMA picture of this host current: every <see cref="PollInterval"/> it reads the
/// host's NumaNodeTopology (the agent republishes free pages as VMs start) and draws it with the VMs the watch holds,
/// as the scheduler's ledger sees them.
/// </summary>
public sealed class HostPictureFeed(IKubernetes client, string nodeName, VmWatch watch, VmTableView view)
{
    public static TimeSpan PollInterval { get; } = TimeSpan.FromSeconds(2);

    public async Task RunAsync(CancellationToken ct)
    {
        using var topologies = new GenericClient(client, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, disposeClient: false);
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            do
            {
                try
                {
                    var topology = await topologies.ReadAsync<NumaNodeTopology>(nodeName, ct);
                    var pictures = HostPictureBuilder.FromCluster([topology], watch.Snapshot().Values, [nodeName]);
                    view.SetPicture(pictures.Count == 0 ? null : pictures[0]);
                }
                catch (Exception e) when (e is HttpOperationException or HttpRequestException)
                {
                    // the next tick tries again; the table itself is the watch's
                }
            }
            while (await timer.WaitForNextTickAsync(ct));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
