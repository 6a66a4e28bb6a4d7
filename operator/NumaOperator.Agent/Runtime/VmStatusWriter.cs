using System.Net;
using k8s.Autorest;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Api.Status;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// Writes a VM's status as the agent sees it, and the Events that go with it: a patch from the object as read; on 409
/// it reads the object again and recomputes (the controller writes status too). What was written goes into the
/// cache, so the next reconcile starts from it.
/// </summary>
/// <param name="console">This agent's console endpoint, kept in every status it writes (null: none, and removed).</param>
internal sealed class VmStatusWriter(ObjectCache<NumaVirtualMachine> cache, CustomResourceWriter<NumaVirtualMachine> writer, EventRecorder events, TimeProvider clock, ConsoleEndpointStatus? console = null)
{
    public EventRecorder Events { get; } = events;

    /// <summary>Returns the written (or unchanged) object, or null when the VM is gone.</summary>
    public async Task<NumaVirtualMachine?> WriteAsync(NumaVirtualMachine current, Action<NumaVirtualMachine> mutate, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var desired = ObjectKey.Clone(current);
            mutate(desired);
            if (desired.Status is { } desiredStatus)
            {
                desiredStatus.Console = console;
            }

            try
            {
                var written = await writer.PatchStatusAsync(current, desired, ct);
                if (written is null)
                {
                    return current;
                }

                cache.Upsert(written, out _);
                return written;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < CustomResourceWriter<NumaVirtualMachine>.ConflictAttempts)
            {
                var fresh = await writer.ReadAsync(current.Metadata.NamespaceProperty, current.Metadata.Name, ct);
                if (fresh is null)
                {
                    return null;
                }

                cache.Upsert(fresh, out _);
                current = fresh;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
        }
    }

    /// <summary>Phase Failed with <paramref name="reason"/>, and a Warning Event when the VM still exists.</summary>
    public async Task FailAsync(NumaVirtualMachine vm, string reason, string message, CancellationToken ct)
    {
        var written = await WriteAsync(vm, d => AgentConditions.SetFailed(d, reason, message, Now()), ct);
        if (written is not null)
        {
            await Events.WarningAsync(vm, reason, message, ct);
        }
    }

    /// <summary>Whole seconds: metav1.Time carries no fraction.</summary>
    public DateTime Now() => MetaTime.Now(clock);
}
