using NumaOperator.Cli.Explaining;

namespace NumaOperator.Cli.Rendering;

/// <summary>
/// Which hosts `explain -o picture` draws: the VM's node with its guest nodes marked when it is placed; otherwise the
/// nodes the scheduler considered (at most <see cref="MaxHosts"/>), so the free CPUs and pages it lacks are in view.
/// Pure.
/// </summary>
public static class ExplainPictures
{
    public const int MaxHosts = 4;

    /// <returns>The pictures, and how many considered nodes were left out.</returns>
    public static (IReadOnlyList<HostPicture> Pictures, int LeftOut) For(ExplainInput input, Explanation explanation)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(explanation);
        if (explanation.Placement is { } placement)
        {
            return (HostPictureBuilder.FromCluster(input.Topologies, input.AllVms, [placement.Node], input.Vm), 0);
        }

        var considered = explanation.Scheduling?.Nodes.Select(n => n.Node).ToList() ?? [];
        return (HostPictureBuilder.FromCluster(input.Topologies, input.AllVms, considered.Take(MaxHosts)), Math.Max(0, considered.Count - MaxHosts));
    }
}
