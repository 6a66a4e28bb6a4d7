using k8s;
using Microsoft.Extensions.Logging;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Cli.Standalone;

/// <summary>An informer over every NumaVirtualMachine, for the live table, --exit-when-ready and --stop-vms-on-exit.</summary>
public sealed class VmWatch : IDisposable
{
    private readonly Informer<NumaVirtualMachine> informer;
    private readonly SemaphoreSlim signal = new(0);

    public VmWatch(IKubernetes client, ILogger logger)
    {
        informer = new Informer<NumaVirtualMachine>(
            new CustomResourceApi<NumaVirtualMachine, NumaVirtualMachineList>(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural),
            new InformerOptions { WatchTimeoutSeconds = 120 },
            logger);
        informer.Changed += _ =>
        {
            Changed?.Invoke(Snapshot());
            signal.Release();
        };
    }

    /// <summary>Raised with every VM, by namespace/name, after any change.</summary>
    public event Action<IReadOnlyDictionary<string, NumaVirtualMachine>>? Changed;

    public Task RunAsync(CancellationToken ct) => informer.RunAsync(ct);

    public Task WaitForSyncAsync(CancellationToken ct) => informer.WaitForSyncAsync(ct);

    public IReadOnlyDictionary<string, NumaVirtualMachine> Snapshot() =>
        informer.Cache.List().ToDictionary(v => v.Key, StringComparer.Ordinal);

    /// <summary>Waits until <paramref name="done"/> holds for the current VMs (checked now and after every change).</summary>
    public async Task<T> WaitUntilAsync<T>(Func<IReadOnlyDictionary<string, NumaVirtualMachine>, T?> done, CancellationToken ct)
        where T : class
    {
        while (true)
        {
            if (done(Snapshot()) is { } result)
            {
                return result;
            }

            await signal.WaitAsync(ct);
        }
    }

    public void Dispose() => signal.Dispose();
}
