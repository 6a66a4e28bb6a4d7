using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Agent.Migration;

/// <summary>
/// Moves a migration's phase forward as the contract allows (<see cref="MigrationPhases.CanAdvance"/>; progress within
/// Running too): the check is made again on the object as re-read after every conflict, since the controller and the
/// other agent write the same status. What was written goes into the cache.
/// </summary>
internal sealed class MigrationStatusWriter(IMigrationStore store, ObjectCache<NumaVirtualMachineMigration> cache, TimeProvider clock)
{
    /// <summary>The written object; the unchanged one when nothing changed; null when it may not advance to <paramref name="to"/> (any more) or is gone.</summary>
    public async Task<NumaVirtualMachineMigration?> AdvanceAsync(NumaVirtualMachineMigration current, string to, Action<NumaVirtualMachineMigrationStatus> mutate, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var phase = MigrationPhases.Of(current.Status?.Phase);
            if (!MigrationPhases.CanAdvance(phase, to) && !(phase == to && to == MigrationPhases.Running))
            {
                return null;
            }

            var desired = ObjectKey.Clone(current);
            var status = desired.Status ??= new NumaVirtualMachineMigrationStatus();
            mutate(status);
            status.Phase = to;
            if (MigrationPhases.IsTerminal(to))
            {
                status.CompletionTime ??= Now();
            }

            try
            {
                var written = await store.PatchStatusAsync(current, desired, ct);
                if (written is null)
                {
                    return current;
                }

                cache.Upsert(written, out _);
                return written;
            }
            catch (MigrationConflictException) when (attempt < CustomResourceWriter<NumaVirtualMachineMigration>.ConflictAttempts)
            {
                var fresh = await store.ReadAsync(current.Metadata.NamespaceProperty, current.Metadata.Name, ct);
                if (fresh is null)
                {
                    return null;
                }

                cache.Upsert(fresh, out _);
                current = fresh;
            }
        }
    }

    /// <summary>Failed with <paramref name="reason"/> (anyone may fail a move that has not ended).</summary>
    public Task<NumaVirtualMachineMigration?> FailAsync(NumaVirtualMachineMigration current, string reason, string message, CancellationToken ct) =>
        AdvanceAsync(current, MigrationPhases.Failed, s =>
        {
            s.Reason = reason;
            s.Message = MigrationPhases.BoundedMessage(message);
        }, ct);

    /// <summary>Whole seconds: metav1.Time carries no fraction.</summary>
    public DateTime Now() => MetaTime.Now(clock);
}
