using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Rendering;

namespace NumaOperator.Cli.Tests;

/// <summary>The live list of `numa-operator drain` and when it ends.</summary>
public sealed class DrainProgressTextTests
{
    private static NodeEvacuationStatus Status(string[] migrating, params (string Vm, string Why)[] blocked) => new()
    {
        VmsRemaining = migrating.Length + blocked.Length,
        Migrating = migrating,
        Blocked = [.. blocked.Select(b => new EvacuationBlockedVm { Name = b.Vm, Reason = b.Why })],
        Message = "controller says so",
    };

    [Fact]
    public void An_empty_node_is_done() =>
        Assert.Equal(DrainState.Done, DrainProgressText.Judge([], null));

    [Fact]
    public void Before_the_controller_reports_the_drain_waits() =>
        Assert.Equal(DrainState.Waiting, DrainProgressText.Judge(["default/keep"], null));

    [Fact]
    public void Only_blocked_vms_left_ends_the_wait_as_blocked() =>
        Assert.Equal(DrainState.Blocked, DrainProgressText.Judge(["default/keep"], Status([], ("default/keep", "evictionStrategy None"))));

    [Fact]
    public void A_blocked_vm_beside_a_migrating_one_keeps_waiting() =>
        Assert.Equal(DrainState.Waiting, DrainProgressText.Judge(["default/db1", "default/keep"], Status(["default/db1"], ("default/keep", "evictionStrategy None"))));

    [Fact]
    public void The_list_names_each_vm_with_what_happens_to_it() =>
        Assert.Equal(
            [
                "node a: 3 VM(s) left (controller says so)",
                "  default/db1: migrating",
                "  default/db2: waiting for a migration slot or a retry",
                "  default/keep: blocked: evictionStrategy None",
            ],
            DrainProgressText.Lines("a", ["default/keep", "default/db1", "default/db2"], Status(["default/db1"], ("default/keep", "evictionStrategy None"))));

    [Fact]
    public void An_evacuated_node_is_one_line() =>
        Assert.Equal(["node a: evacuated, no VM is left on it"], DrainProgressText.Lines("a", [], Status([])));
}
