using k8s;
using k8s.Autorest;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Rendering;

namespace NumaOperator.Cli.Standalone;

/// <summary>
/// Keeps the standalone view's NUMA picture of this host current: after every VM change (at most every
/// <see cref="MinimumGap"/>) and every <see cref="PollInterval"/> it reads the host's NumaNodeTopology (the agent
/// republishes it as pages are reserved) and draws it with the VMs the watch holds, as the scheduler's ledger sees
/// them.
/// </summary>
public sealed class HostPictureFeed(IKubernetes client, string nodeName, VmWatch watch, VmTableView view)
{
    public static TimeSpan PollInterval { get; } = TimeSpan.FromSeconds(2);

    public static TimeSpan MinimumGap { get; } = TimeSpan.FromMilliseconds(250);

    public async Task RunAsync(CancellationToken ct)
    {
        using var changed = new SemaphoreSlim(0);
        void OnChange(IReadOnlyDictionary<string, NumaVirtualMachine> vms) => changed.Release();
        watch.Changed += OnChange;
        try
        {
            Task? change = null; // one waiter at a time, kept across ticks
            while (!ct.IsCancellationRequested)
            {
                await RefreshAsync(ct);
                await Task.Delay(MinimumGap, ct);
                change ??= changed.WaitAsync(ct);
                if (await Task.WhenAny(change, Task.Delay(PollInterval, ct)) == change)
                {
                    change = null;
                    while (changed.CurrentCount > 0)
                    {
                        await changed.WaitAsync(ct); // several changes since: one refresh covers them
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            watch.Changed -= OnChange;
        }
    }

    /// <summary>Draws the picture once, now (also before the final table, so it shows the VMs as they ended up).</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        try
        {
            using var topologies = new GenericClient(client, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, disposeClient: false);
            var topology = await topologies.ReadAsync<NumaNodeTopology>(nodeName, ct);
            var pictures = HostPictureBuilder.FromCluster([topology], watch.Snapshot().Values, [nodeName]);
            view.SetPicture(pictures.Count == 0 ? null : pictures[0]);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            // the next change or tick tries again; the table itself is the watch's
        }
    }
}
