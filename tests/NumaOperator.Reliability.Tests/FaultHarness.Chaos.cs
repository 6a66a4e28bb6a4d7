using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;

namespace NumaOperator.Reliability.Tests;

/// <summary>The load of a fault run: fault windows, component kills and the churn on the simulated VMs.</summary>
public sealed partial class FaultHarness
{
    /// <summary>Every tick: a new fault window (409/500/drop probabilities, latency, sometimes none), sometimes every watch cut, the controller or an agent killed and started again.</summary>
    private async Task ChaosAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var faults = server.Faults;
            faultWindows++;
            if (chaos.NextDouble() < 0.25)
            {
                faults.Reset();
            }
            else
            {
                faults.ConflictProbability = chaos.NextDouble() * options.MaxConflictProbability;
                faults.ErrorProbability = chaos.NextDouble() * options.MaxErrorProbability;
                faults.DropWatchProbability = chaos.NextDouble() * options.MaxDropWatchProbability;
                faults.Latency = chaos.NextDouble() < 0.4 ? TimeSpan.FromMilliseconds(chaos.Next(5, (int)options.MaxLatency.TotalMilliseconds)) : TimeSpan.Zero;
            }

            if (chaos.NextDouble() < 0.05)
            {
                Interlocked.Add(ref allWatchesDropped, server.DropWatches());
            }

            try
            {
                if (chaos.NextDouble() < 0.08)
                {
                    await StopAsync(controller);
                    await Task.Delay(chaos.Next(0, 500), ct);
                    StartController();
                    Interlocked.Increment(ref controllerRestarts);
                }

                if (chaos.NextDouble() < 0.25)
                {
                    var host = hosts[chaos.Next(hosts.Count)];
                    await StopAsync(agents[host.Name]);
                    await Task.Delay(chaos.Next(0, 300), ct);
                    StartAgent(host);
                    Interlocked.Increment(ref agentRestarts);
                }

                if (Real is not null && chaos.NextDouble() < 0.08)
                {
                    await Real.RestartAgentAsync(chaos.Next(0, 500), ct);
                }

                await Task.Delay(chaos.Next(200, 600), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One churn worker: create, update spec, stop, start, delete on random VMs of the simulated set.</summary>
    private async Task ChurnAsync(Random random, int worker, CancellationToken ct)
    {
        // The first pass creates this worker's share of the VMs; afterwards any VM is fair game.
        for (var i = worker; i < options.Vms && !ct.IsCancellationRequested; i += 3)
        {
            await CreateAsync(i, random);
        }

        while (!ct.IsCancellationRequested)
        {
            var index = random.Next(options.Vms);
            var name = VmName(index);
            try
            {
                var vm = await ReadAsync(name);
                if (vm is null || vm.Metadata.DeletionTimestamp is not null)
                {
                    if (vm is null)
                    {
                        await CreateAsync(index, random);
                    }
                }
                else
                {
                    var roll = random.NextDouble();
                    if (roll < 0.25)
                    {
                        var cores = index % 8 == 0 ? 2 : random.Next(1, 3);
                        await PatchSpecAsync(name, "update", new JsonObject
                        {
                            ["cpu"] = new JsonObject { ["cores"] = cores, ["dedicated"] = random.Next(2) == 0 },
                            ["memory"] = new JsonObject { ["size"] = Sizes[random.Next(Sizes.Length)] },
                        });
                    }
                    else if (roll < 0.5)
                    {
                        await PatchSpecAsync(name, "stop", new JsonObject { ["running"] = false });
                    }
                    else if (roll < 0.85)
                    {
                        await PatchSpecAsync(name, "start", new JsonObject { ["running"] = true });
                    }
                    else
                    {
                        await RetryAsync(() => vmsApi.DeleteNamespacedAsync<NumaVirtualMachine>(Namespace, name));
                        MarkDeleted(Namespace + "/" + name);
                        Count("delete");
                    }
                }

                await Task.Delay(random.Next(20, 200), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task CreateAsync(int index, Random random)
    {
        var name = VmName(index);
        var vm = new NumaVirtualMachine
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
            Spec = new NumaVirtualMachineSpec
            {
                Accelerator = "Any", // runs under KVM where the machine has it, else emulation
                Running = random.Next(5) != 0,
                Cpu = new CpuSpec { Cores = index % 8 == 0 ? 2 : random.Next(1, 3), Dedicated = random.Next(2) == 0 },
                Memory = new MemorySpec { Size = Sizes[random.Next(Sizes.Length)], Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
                Numa = index % 8 == 0 ? new NumaSpec { GuestNodes = 2 } : null,
                NodeSelector = new Dictionary<string, string> { [SimulatedLabel] = "true" },
            },
        };
        await RetryAsync(() => vmsApi.CreateNamespacedAsync(vm, Namespace));
        MarkCreated(Namespace + "/" + name);
        Count("create");
    }

    private async Task PatchSpecAsync(string name, string kind, JsonObject spec)
    {
        var patch = new JsonObject { ["spec"] = spec }.ToJsonString();
        await RetryAsync(() => admin.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch, V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, Namespace, NumaVirtualMachine.Plural, name));
        Count(kind);
    }

    /// <summary>The VM was deleted last (it must be gone at the end); <see cref="MarkCreated"/> undoes it.</summary>
    public void MarkDeleted(string key) => deletedLast[key] = true;

    public void MarkCreated(string key) => deletedLast.TryRemove(key, out _);

    private void Count(string kind) => operations.AddOrUpdate(kind, 1, (_, n) => n + 1);

    private static string VmName(int index) => $"vm-{index:D4}";
}
