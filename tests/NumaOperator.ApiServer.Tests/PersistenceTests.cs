using System.Net;
using k8s;
using k8s.Autorest;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.ApiServer.Tests;

/// <summary>SQLite persistence: a restart keeps objects, uids and resourceVersions; older watch versions are gone.</summary>
public sealed class PersistenceTests
{
    [Fact]
    public async Task Restart_keeps_objects_and_resource_versions_and_the_kubeconfig()
    {
        var dir = TestServer.TempDir();
        try
        {
            NumaVirtualMachine kept;
            int port;
            long versionBeforeStop;
            var kubeconfig = Path.Combine(dir, "kubeconfig");
            await using (var first = await TestServer.StartAsync(Path.Combine(dir, "data")))
            {
                first.WriteKubeconfig(kubeconfig);
                if (!OperatingSystem.IsWindows())
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kubeconfig));
                }

                port = first.BaseAddress.Port;
                using var client = TestServer.Client(first);
                var vms = TestServer.Vms(client);
                kept = await vms.CreateNamespacedAsync(TestServer.Vm("kept"), "default");
                await vms.CreateNamespacedAsync(TestServer.Vm("dropped"), "default");
                await vms.DeleteNamespacedAsync<NumaVirtualMachine>("default", "dropped");
                versionBeforeStop = first.ResourceVersion;
            }

            Assert.True(File.Exists(Path.Combine(dir, "data", "state.db")));
            await using var second = await EmbeddedApiServer.StartAsync(new ApiServerOptions { DataDir = Path.Combine(dir, "data"), Port = port });
            Assert.Equal(versionBeforeStop, second.ResourceVersion);

            // The kubeconfig written before the restart still works: same token, same CA, same port.
            using var again = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            var vmsAgain = TestServer.Vms(again);
            var read = await vmsAgain.ReadNamespacedAsync<NumaVirtualMachine>("default", "kept");
            Assert.Equal(kept.Metadata.Uid, read.Metadata.Uid);
            Assert.Equal(kept.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
            var gone = await Assert.ThrowsAsync<HttpOperationException>(() => vmsAgain.ReadNamespacedAsync<NumaVirtualMachine>("default", "dropped"));
            Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);

            var next = await vmsAgain.CreateNamespacedAsync(TestServer.Vm("next"), "default");
            Assert.True(long.Parse(next.Metadata.ResourceVersion) > versionBeforeStop);

            // Watch history does not survive the restart: resuming from before it is 410 Gone.
            var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            using var watcher = await Task.Run(() => again.CustomObjects.WatchListNamespacedCustomObject(
                ApiGroup.Group, ApiGroup.Version, "default", NumaVirtualMachine.Plural,
                resourceVersion: kept.Metadata.ResourceVersion, timeoutSeconds: 10, onEvent: (_, _) => { }, onError: errors.Enqueue));
            await Eventually.HoldsAsync(() => !errors.IsEmpty, TimeSpan.FromSeconds(10), "the watch from a compacted resourceVersion reports an error", TimeSpan.FromMilliseconds(20));

            Assert.Equal(410, Assert.IsType<KubernetesException>(errors.First()).Status.Code);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
