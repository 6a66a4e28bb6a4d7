using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;

namespace NumaOperator.ApiServer.Tests;

/// <summary>Starts in-memory servers and builds KubernetesClient clients and sample VMs for the tests.</summary>
internal static class TestServer
{
    public static Task<EmbeddedApiServer> StartAsync(string? dataDir = null, int watchHistory = 10_000) =>
        EmbeddedApiServer.StartAsync(new ApiServerOptions { DataDir = dataDir, WatchHistory = watchHistory, BookmarkInterval = TimeSpan.FromSeconds(1) });

    public static Kubernetes Client(EmbeddedApiServer server) => new(server.ClientConfiguration());

    public static GenericClient Vms(Kubernetes client) =>
        new(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);

    public static NumaVirtualMachine Vm(string name, int cores = 2, string size = "1Gi", IDictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = labels },
        Spec = new NumaVirtualMachineSpec
        {
            Running = true,
            Cpu = new CpuSpec { Cores = cores },
            Memory = new MemorySpec { Size = size, Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
        },
    };

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "numaop-apiserver-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
