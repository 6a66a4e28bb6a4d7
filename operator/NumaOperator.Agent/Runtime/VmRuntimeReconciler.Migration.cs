using NumaOperator.Agent.Migration;
using NumaOperator.Qemu.Migration;
using NumaOperator.Qemu.Qmp;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// How the VM reconciler lives with live migrations (<see cref="MigrationReconciler"/>): it lends the source QEMU it
/// holds, gives it up at a same-node handover, and never starts, clears or takes the disks of a VM this node is
/// receiving (STATE/incoming/UID) until the handover made that QEMU the VM's. A QEMU left paused after a completed
/// send (postmigrate) is ended with quit, not an ACPI powerdown its paused guest would never hear.
/// </summary>
public sealed partial class VmRuntimeReconciler : IMigratingVms
{
    /// <summary>Whether this node receives <c>uid</c> in a live migration now (set by the agent host).</summary>
    internal Func<Guid, bool> Receiving { get; set; } = _ => false;

    /// <summary>Queues a VM key for reconciling (set by the agent host).</summary>
    internal Action<string> Enqueue { get; set; } = _ => { };

    public IVmProcess? SourceProcess(Guid uid) => tracked.GetValueOrDefault(uid)?.Process;

    public IVmProcess? Release(Guid uid)
    {
        if (!tracked.TryRemove(uid, out var held))
        {
            return null;
        }

        hugepagesChanged();
        return held.Process;
    }

    public void Poke(Guid uid)
    {
        var wanted = uid.ToString("D");
        foreach (var vm in cache.List().Where(v => string.Equals(v.Metadata.Uid, wanted, StringComparison.OrdinalIgnoreCase)))
        {
            Enqueue(vm.Key);
        }
    }

    /// <summary>A source QEMU that sent everything waits paused in postmigrate: quit is what ends it.</summary>
    private async Task StopProcessAsync(IVmProcess process, CancellationToken ct)
    {
        string? state = null;
        try
        {
            state = await runtime.RunStateAsync(process, ct);
        }
        catch (Exception e) when (e is QmpException or IOException or ObjectDisposedException)
        {
            // not answering: the ordinary stop escalates to SIGKILL
        }

        if (state == VmRunState.PostMigrate)
        {
            await runtime.StopPausedAsync(process, ct);
        }
        else
        {
            await runtime.StopAsync(process, ct);
        }
    }
}
