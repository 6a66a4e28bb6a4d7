using k8s;
using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Cli.Tests;

/// <summary>
/// `numa-operator start|stop|restart` as a child process against the real embedded API server: the patch each run
/// strategy gets (spec or the power-request annotation), and the exit codes for a missing VM and bad input.
/// </summary>
public sealed class PowerCommandTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);
    private readonly string dir = Directory.CreateTempSubdirectory("numaop-power-").FullName;
    private EmbeddedApiServer server = null!;
    private Kubernetes client = null!;
    private GenericClient vms = null!;

    private string Kubeconfig => Path.Combine(dir, "kubeconfig");

    public async Task InitializeAsync()
    {
        server = await EmbeddedApiServer.StartAsync(new ApiServerOptions());
        server.WriteKubeconfig(Kubeconfig);
        client = new Kubernetes(server.ClientConfiguration());
        vms = new GenericClient(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }

    public void Dispose()
    {
        vms.Dispose();
        client.Dispose();
    }

    private Task<CliResult> Run(params string[] args) => CliProcess.RunAsync(CliTimeout, [.. args, "--kubeconfig", Kubeconfig]);

    private async Task<NumaVirtualMachine> CreateAsync(string name, string? strategy, bool? running = null) =>
        await vms.CreateNamespacedAsync(
            new NumaVirtualMachine
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
                Spec = new NumaVirtualMachineSpec { RunStrategy = strategy, Running = running, Cpu = new CpuSpec { Cores = 1 }, Memory = new MemorySpec { Size = "64Mi" } },
            },
            "default");

    private Task<NumaVirtualMachine> ReadAsync(string name) => vms.ReadNamespacedAsync<NumaVirtualMachine>("default", name);

    [Fact]
    public async Task Stop_and_start_switch_an_always_vm_between_halted_and_always()
    {
        await CreateAsync("web", RunStrategies.Always);

        var stop = await Run("stop", "default/web");
        Assert.Equal(0, stop.ExitCode);
        Assert.Contains("default/web: stop requested", stop.Stdout, StringComparison.Ordinal);
        Assert.Equal(RunStrategies.Halted, (await ReadAsync("web")).Spec.RunStrategy);

        Assert.Equal(0, (await Run("start", "default/web")).ExitCode);
        Assert.Equal(RunStrategies.Always, (await ReadAsync("web")).Spec.RunStrategy);
    }

    [Fact]
    public async Task Stop_sets_running_false_on_a_vm_that_uses_the_shorthand()
    {
        await CreateAsync("old", strategy: null, running: true);

        Assert.Equal(0, (await Run("stop", "default/old")).ExitCode);
        var vm = await ReadAsync("old");
        Assert.Equal((false, null), (vm.Spec.Running, vm.Spec.RunStrategy));
    }

    [Fact]
    public async Task Start_stop_and_restart_of_a_manual_vm_are_power_requests_on_its_annotation()
    {
        var created = await CreateAsync("batch", RunStrategies.Manual);
        var before = DateTime.UtcNow.AddSeconds(-1);

        foreach (var (verb, action) in new[] { ("start", PowerAction.Start), ("stop", PowerAction.Stop), ("restart", PowerAction.Restart) })
        {
            Assert.Equal(0, (await Run(verb, "default/batch")).ExitCode);
            var vm = await ReadAsync("batch");
            var request = PowerRequest.Of(vm);
            Assert.NotNull(request);
            Assert.Equal(action, request.Action);
            Assert.InRange(request.At, before.AddTicks(-before.Ticks % TimeSpan.TicksPerSecond), DateTime.UtcNow);
            Assert.Equal((RunStrategies.Manual, created.Metadata.Generation), (vm.Spec.RunStrategy, vm.Metadata.Generation)); // no spec change
        }
    }

    [Fact]
    public async Task A_missing_vm_is_exit_1_and_a_malformed_argument_exit_2()
    {
        var missing = await Run("start", "default/nope");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("NumaVirtualMachine \"nope\" not found in namespace \"default\"", missing.Stderr, StringComparison.Ordinal);

        var bad = await Run("stop", "nope");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("argument NAMESPACE/NAME: \"nope\" is not of the form NAMESPACE/NAME", bad.Stderr, StringComparison.Ordinal);
    }
}
