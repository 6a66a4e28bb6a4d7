namespace NumaOperator.Qemu.Supervision;

/// <summary>Milestones of one launch, from the supervisor's start: QEMU daemonized (memory preallocated), QMP ready, pinned, running.</summary>
public sealed record LaunchTimings(TimeSpan Daemonized, TimeSpan QmpReady, TimeSpan Pinned, TimeSpan Running);
