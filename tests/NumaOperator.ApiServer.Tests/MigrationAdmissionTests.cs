using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.ApiServer.Tests;

/// <summary>NumaVirtualMachineMigration is served like the other kinds: discovery, status subresource, and admission by its validation core.</summary>
public class MigrationAdmissionTests
{
    private static GenericClient Migrations(Kubernetes client) =>
        new(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachineMigration.Plural, disposeClient: false);

    private static NumaVirtualMachineMigration Migration(string name, Action<NumaVirtualMachineMigrationSpec>? change = null)
    {
        var migration = new NumaVirtualMachineMigration
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new NumaVirtualMachineMigrationSpec { VmName = "db1" },
        };
        change?.Invoke(migration.Spec);
        return migration;
    }

    [Fact]
    public async Task Discovery_lists_the_migration_kind_with_its_short_names_and_status_subresource()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);

        var resources = await client.CustomObjects.GetAPIResourcesAsync(ApiGroup.Group, ApiGroup.Version);

        var kind = Assert.Single(resources.Resources, r => r.Name == NumaVirtualMachineMigration.Plural);
        Assert.Equal(NumaVirtualMachineMigration.KubeKind, kind.Kind);
        Assert.True(kind.Namespaced);
        Assert.Equal(["nvmim", "numavmim"], kind.ShortNames);
        Assert.Contains(resources.Resources, r => r.Name == NumaVirtualMachineMigration.Plural + "/status");
    }

    [Fact]
    public async Task Bad_migration_specs_are_refused_with_422_naming_each_field_and_nothing_is_stored()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var before = server.ResourceVersion;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Migrations(client).CreateNamespacedAsync(
            Migration("bad", s =>
            {
                s.VmName = "DB_1";
                s.TargetNumaNodes = "3-1";
                s.CompletionTimeoutSeconds = 0;
            }),
            "default"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.StartsWith("NumaVirtualMachineMigration.numaoperator.io \"bad\" is invalid: [", status.Message, StringComparison.Ordinal);
        var fields = status.Details.Causes.Select(c => c.Field).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["spec.completionTimeoutSeconds", "spec.targetNumaNodes", "spec.vmName"], fields);
        Assert.Contains("cpuset syntax", status.Message, StringComparison.Ordinal);
        Assert.Equal(before, server.ResourceVersion);
    }

    [Fact]
    public async Task The_spec_of_a_stored_migration_is_immutable_but_its_status_is_writable()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var migrations = Migrations(client);
        var created = await migrations.CreateNamespacedAsync(Migration("move"), "default");

        var change = new V1Patch("{\"spec\":{\"targetNode\":\"worker-2\"}}", V1Patch.PatchType.MergePatch);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.PatchNamespacedCustomObjectAsync(change, ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachineMigration.Plural, "move"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("spec: Forbidden: spec is immutable", error.Response.Content, StringComparison.Ordinal);

        var phase = new V1Patch("{\"status\":{\"phase\":\"Scheduled\"}}", V1Patch.PatchType.MergePatch);
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(phase, ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachineMigration.Plural, "move");
        var read = await migrations.ReadNamespacedAsync<NumaVirtualMachineMigration>("default", "move");
        Assert.Equal("Scheduled", read.Status!.Phase);
        Assert.Null(read.Spec.TargetNode);
        Assert.Equal(created.Metadata.Generation, read.Metadata.Generation);
    }
}
