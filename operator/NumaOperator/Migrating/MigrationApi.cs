using k8s;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;

namespace NumaOperator.Cli.Migrating;

/// <summary>The requests of <c>numa-operator migrate</c>, each failure an exit-1 message naming the server (<see cref="ApiFailures"/>).</summary>
public sealed class MigrationApi(IKubernetes client, string server)
{
    /// <summary>Reads the VM first (a clear NotFound), then creates the migration; returns it as stored (with its generated name).</summary>
    public async Task<NumaVirtualMachineMigration> CreateAsync(NumaVirtualMachineMigration migration, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var ns = migration.Metadata.NamespaceProperty;
        await ReadVmAsync(ns, migration.Spec.VmName, ct);
        return await ApiFailures.RunAsync(
            server,
            $"the API server does not serve {NumaVirtualMachineMigration.Plural} in namespace \"{ns}\" (are the numa-operator CRDs installed?)",
            () => client.CustomObjects.CreateNamespacedCustomObjectAsync<NumaVirtualMachineMigration>(
                migration, ApiGroup.Group, ApiGroup.Version, ns, NumaVirtualMachineMigration.Plural, cancellationToken: ct),
            ct);
    }

    public Task<NumaVirtualMachineMigration> ReadAsync(string ns, string name, CancellationToken ct) =>
        ApiFailures.RunAsync(
            server,
            $"{NumaVirtualMachineMigration.KubeKind} \"{name}\" not found in namespace \"{ns}\" (deleted: the move was cancelled)",
            () => client.CustomObjects.GetNamespacedCustomObjectAsync<NumaVirtualMachineMigration>(ApiGroup.Group, ApiGroup.Version, ns, NumaVirtualMachineMigration.Plural, name, ct),
            ct);

    public Task<NumaVirtualMachine> ReadVmAsync(string ns, string name, CancellationToken ct) =>
        ApiFailures.RunAsync(
            server,
            ApiFailures.VmNotFound(new VmReference(ns, name)),
            () => client.CustomObjects.GetNamespacedCustomObjectAsync<NumaVirtualMachine>(ApiGroup.Group, ApiGroup.Version, ns, NumaVirtualMachine.Plural, name, ct),
            ct);
}
