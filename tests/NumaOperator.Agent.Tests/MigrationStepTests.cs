using NumaOperator.Agent.Migration;
using NumaOperator.Api.Status;
using NumaOperator.Qemu.Migration;

namespace NumaOperator.Agent.Tests;

/// <summary>The agent's pure decisions in a live migration, side by side with the contract (MigrationPhases).</summary>
public sealed class MigrationStepTests
{
    [Theory]
    [InlineData(MigrationPhases.Scheduled, false, IncomingHeld.None, false, null, false, TargetStep.StartIncoming)]
    [InlineData(MigrationPhases.Scheduled, true, IncomingHeld.None, false, null, false, TargetStep.Nothing)]
    [InlineData(MigrationPhases.Pending, false, IncomingHeld.None, false, null, false, TargetStep.Nothing)]
    [InlineData(MigrationPhases.TargetReady, false, IncomingHeld.Held, true, MigrationStatuses.Setup, false, TargetStep.Watch)]
    [InlineData(MigrationPhases.Running, false, IncomingHeld.Held, true, MigrationStatuses.Active, false, TargetStep.Watch)]
    [InlineData(MigrationPhases.Running, false, IncomingHeld.Held, true, MigrationStatuses.Completed, false, TargetStep.MeasureAndResume)]
    [InlineData(MigrationPhases.TargetReady, false, IncomingHeld.Held, true, MigrationStatuses.Completed, false, TargetStep.MeasureAndResume)]
    [InlineData(MigrationPhases.Running, false, IncomingHeld.Held, false, null, false, TargetStep.FailIncoming)]
    [InlineData(MigrationPhases.Running, false, IncomingHeld.Held, true, MigrationStatuses.Failed, false, TargetStep.FailIncoming)]
    [InlineData(MigrationPhases.Running, false, IncomingHeld.Orphan, false, null, false, TargetStep.FailRestarted)]
    [InlineData(MigrationPhases.Failed, false, IncomingHeld.Held, true, MigrationStatuses.Active, false, TargetStep.StopIncoming)]
    [InlineData(MigrationPhases.Failed, false, IncomingHeld.Orphan, false, null, false, TargetStep.StopIncoming)]
    [InlineData(MigrationPhases.Running, true, IncomingHeld.Held, true, MigrationStatuses.Active, false, TargetStep.StopIncoming)]
    [InlineData(MigrationPhases.TargetRunning, false, IncomingHeld.Held, true, MigrationStatuses.Completed, false, TargetStep.Watch)]
    [InlineData(MigrationPhases.TargetRunning, true, IncomingHeld.Held, true, MigrationStatuses.Completed, false, TargetStep.Watch)]
    [InlineData(MigrationPhases.TargetRunning, false, IncomingHeld.Held, true, MigrationStatuses.Completed, true, TargetStep.HandOver)]
    [InlineData(MigrationPhases.Succeeded, false, IncomingHeld.Orphan, true, null, true, TargetStep.HandOver)]
    [InlineData(MigrationPhases.Succeeded, false, IncomingHeld.None, false, null, true, TargetStep.Nothing)]
    public void The_target_starts_watches_measures_fails_stops_and_hands_over(string phase, bool deleted, IncomingHeld incoming, bool alive, string? stream, bool committed, TargetStep expected) =>
        Assert.Equal(expected, MigrationStep.DecideTarget(new TargetView(phase, deleted, incoming, alive, stream, committed)));

    [Theory]
    [InlineData(MigrationPhases.TargetReady, false, true, MigrationStatuses.None, VmRunState.Running, SourceStep.Migrate)]
    [InlineData(MigrationPhases.TargetReady, false, false, null, null, SourceStep.Nothing)]
    [InlineData(MigrationPhases.Scheduled, false, true, MigrationStatuses.None, VmRunState.Running, SourceStep.Nothing)]
    [InlineData(MigrationPhases.TargetReady, false, true, MigrationStatuses.Active, VmRunState.Running, SourceStep.ReportProgress)]
    [InlineData(MigrationPhases.Running, false, true, MigrationStatuses.Active, VmRunState.Running, SourceStep.ReportProgress)]
    [InlineData(MigrationPhases.Running, false, true, MigrationStatuses.Failed, VmRunState.Running, SourceStep.FailStream)]
    [InlineData(MigrationPhases.Running, false, true, MigrationStatuses.Completed, VmRunState.PostMigrate, SourceStep.Watch)]
    [InlineData(MigrationPhases.TargetRunning, false, true, MigrationStatuses.Completed, VmRunState.PostMigrate, SourceStep.Watch)]
    [InlineData(MigrationPhases.Failed, false, true, MigrationStatuses.Active, VmRunState.Running, SourceStep.Cancel)]
    [InlineData(MigrationPhases.Failed, false, true, MigrationStatuses.Completed, VmRunState.PostMigrate, SourceStep.Resume)]
    [InlineData(MigrationPhases.Failed, false, true, MigrationStatuses.Failed, VmRunState.Running, SourceStep.Nothing)]
    [InlineData(MigrationPhases.Running, true, true, MigrationStatuses.Active, VmRunState.Running, SourceStep.Cancel)]
    [InlineData(MigrationPhases.Running, true, true, MigrationStatuses.Completed, VmRunState.PostMigrate, SourceStep.Resume)]
    [InlineData(MigrationPhases.TargetRunning, true, true, MigrationStatuses.Completed, VmRunState.PostMigrate, SourceStep.Nothing)]
    [InlineData(MigrationPhases.Succeeded, false, true, MigrationStatuses.Completed, VmRunState.PostMigrate, SourceStep.Nothing)]
    public void The_source_migrates_reports_fails_cancels_and_resumes_only_before_the_target_ran(string phase, bool deleted, bool held, string? stream, string? runState, SourceStep expected) =>
        Assert.Equal(expected, MigrationStep.DecideSource(new SourceView(phase, deleted, held, stream, runState)));
}
