using NumaOperator.Agent.Runtime;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Migration;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Reliability.Tests;

/// <summary>The simulated hosts of the reliability tests never migrate: no incoming QEMU exists, and asking for a move is a test bug.</summary>
internal sealed partial class SimulatedVmRuntime
{
    public VmStatePaths IncomingStatePaths(Guid uid) => new($"/simulated/{host.Name}/incoming/{uid:D}");

    public IReadOnlyList<Guid> IncomingDirectories() => [];

    public bool HasIncomingDirectory(Guid uid) => false;

    public Task<IncomingVm> StartIncomingAsync(IPreparedLaunch launch, CancellationToken ct) => throw NotMigrating();

    public Task<MigrationInfo> QueryMigrationAsync(IVmProcess process, CancellationToken ct) => throw NotMigrating();

    public Task StartMigrationAsync(IVmProcess source, string targetAddress, MigrationSettings settings, CancellationToken ct) => throw NotMigrating();

    public Task CancelMigrationAsync(IVmProcess process, CancellationToken ct) => throw NotMigrating();

    public Task<string> RunStateAsync(IVmProcess process, CancellationToken ct) => throw NotMigrating();

    public Task ResumeAsync(IVmProcess process, CancellationToken ct) => throw NotMigrating();

    public Task StopPausedAsync(IVmProcess process, CancellationToken ct) => throw NotMigrating();

    public Task<OrphanStop> StopIncomingOrphanAsync(Guid uid, CancellationToken ct) => Task.FromResult(new OrphanStop(OrphanStopKind.NothingRan, null));

    public Task HandOverAsync(Guid uid, IVmProcess? incoming, CancellationToken ct) => throw NotMigrating();

    private static NotSupportedException NotMigrating() => new("the reliability tests' simulated hosts do not migrate VMs");
}
