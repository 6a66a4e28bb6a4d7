namespace NumaOperator.Agent.Migration;

/// <summary>What the migration driver needs from the agent's VM reconciler (<see cref="Runtime.VmRuntimeReconciler"/>), which holds the source QEMU.</summary>
public interface IMigratingVms
{
    /// <summary>The QEMU this agent holds for <paramref name="uid"/>, alive or not; null when none.</summary>
    Runtime.IVmProcess? SourceProcess(Guid uid);

    /// <summary>Stops tracking the QEMU of <paramref name="uid"/> and hands it over (to be stopped at a same-node handover); null when none is held.</summary>
    Runtime.IVmProcess? Release(Guid uid);

    /// <summary>Has the VM reconciler look at the VM again (after a handover: it adopts the moved QEMU).</summary>
    void Poke(Guid uid);
}
