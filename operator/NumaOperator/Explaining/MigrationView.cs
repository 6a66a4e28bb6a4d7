using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Cli.Explaining;

/// <summary>The VM's latest live migration (status.migration) as <c>explain</c> shows it: one short block.</summary>
public sealed record MigrationView(string? Name, string? Phase, string? SourceNode, string? TargetNode, string? Started, string? Ended, bool Failed, string? Message)
{
    public static MigrationView? Of(VmMigrationState? state, DateTime now) =>
        state is null
            ? null
            : new MigrationView(
                state.Name, state.Phase, state.SourceNode, state.TargetNode,
                state.StartTime is null ? null : HumanDuration.Age(state.StartTime, now),
                state.EndTime is null ? null : HumanDuration.Age(state.EndTime, now),
                state.Failed == true,
                state.Message);

    /// <summary>"Latest migration: db1-migration-x7k2p Succeeded, node a -> node b, started 5m ago, ended 4m ago" and its message.</summary>
    public IEnumerable<string> Lines()
    {
        var when = (Started is null ? string.Empty : $", started {Started} ago") + (Ended is null ? string.Empty : $", ended {Ended} ago");
        var stayed = Failed ? " (the VM stayed on its source)" : string.Empty;
        yield return $"Latest migration: {Name ?? "(unnamed)"} {Phase ?? "Pending"}{stayed}, node {SourceNode ?? "?"} -> node {TargetNode ?? "(not chosen yet)"}{when}";
        if (Message is { Length: > 0 })
        {
            yield return "  " + Message;
        }
    }
}
