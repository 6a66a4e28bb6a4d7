using System.Net;
using k8s;
using k8s.Autorest;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Agent.Migration;

/// <summary>Where the agent reads migrations and their VMs and writes migration status (the API server; a fake in tests).</summary>
public interface IMigrationStore
{
    Task<NumaVirtualMachineMigration?> ReadAsync(string ns, string name, CancellationToken ct);

    /// <summary>Patches status from <paramref name="current"/> to <paramref name="desired"/>; null when nothing changed.</summary>
    /// <exception cref="MigrationConflictException">Someone wrote the object since <paramref name="current"/> was read.</exception>
    Task<NumaVirtualMachineMigration?> PatchStatusAsync(NumaVirtualMachineMigration current, NumaVirtualMachineMigration desired, CancellationToken ct);

    /// <summary>The VM by name, wherever it is placed (the target node does not watch it before the move).</summary>
    Task<NumaVirtualMachine?> ReadVmAsync(string ns, string name, CancellationToken ct);

    /// <summary>
    /// Sets the VM's status.interfaces (the NICs of the QEMU now running it: a handed-over target has its own host
    /// ports and taps); re-read and retried on a conflict. False when the VM is gone.
    /// </summary>
    Task<bool> WriteVmInterfacesAsync(string ns, string name, IList<InterfaceStatus>? interfaces, CancellationToken ct);
}

/// <summary>A 409: the object changed since it was read.</summary>
public sealed class MigrationConflictException : Exception
{
    public MigrationConflictException()
    {
    }

    public MigrationConflictException(string message)
        : base(message)
    {
    }

    public MigrationConflictException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The store on the API server, through the project's custom-resource writer (merge patches carrying the resourceVersion).</summary>
internal sealed class KubernetesMigrationStore(IKubernetes client) : IMigrationStore
{
    private readonly CustomResourceWriter<NumaVirtualMachineMigration> migrations = new(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachineMigration.Plural);
    private readonly CustomResourceWriter<NumaVirtualMachine> vms = new(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural);

    public Task<NumaVirtualMachineMigration?> ReadAsync(string ns, string name, CancellationToken ct) => migrations.ReadAsync(ns, name, ct);

    public async Task<NumaVirtualMachineMigration?> PatchStatusAsync(NumaVirtualMachineMigration current, NumaVirtualMachineMigration desired, CancellationToken ct)
    {
        try
        {
            return await migrations.PatchStatusAsync(current, desired, ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new MigrationConflictException($"migration {current.Key} changed since resourceVersion {current.Metadata.ResourceVersion}", e);
        }
    }

    public Task<NumaVirtualMachine?> ReadVmAsync(string ns, string name, CancellationToken ct) => vms.ReadAsync(ns, name, ct);

    public async Task<bool> WriteVmInterfacesAsync(string ns, string name, IList<InterfaceStatus>? interfaces, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await vms.ReadAsync(ns, name, ct) is not { } current)
            {
                return false;
            }

            var desired = ObjectKey.Clone(current);
            desired.Status ??= new NumaVirtualMachineStatus();
            desired.Status.Interfaces = interfaces;
            try
            {
                await vms.PatchStatusAsync(current, desired, ct);
                return true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < CustomResourceWriter<NumaVirtualMachine>.ConflictAttempts)
            {
                // The controller or the VM reconciler wrote the VM meanwhile: read it again.
            }
        }
    }
}
