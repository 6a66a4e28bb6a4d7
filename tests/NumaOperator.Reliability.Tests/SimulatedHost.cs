using System.Collections.Concurrent;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Reliability.Tests;

/// <summary>A simulated "QEMU process" of one VM: what it holds on its host.</summary>
public sealed record SimulatedProcess(string Key, string Uid, int Pid, PlacementStatus Placement);

/// <summary>
/// What a simulated node's kernel knows, independent of any agent instance: the running "QEMU processes" (they
/// survive agent restarts, as real ones do), free 2Mi hugepages per NUMA node and the CPUs pinned by running VMs.
/// Starting a second process for a VM, taking pages a node does not have, or pinning a CPU twice is recorded as a
/// violation: that is double booking or a second QEMU as the host would see it.
/// </summary>
public sealed class SimulatedHost
{
    private const long PageBytes = 2L << 20;
    private readonly Lock gate = new();
    private readonly Dictionary<string, SimulatedProcess> processes = new(StringComparer.Ordinal);
    private readonly long[] freePages;
    private readonly Dictionary<int, string> pinned = [];
    private readonly ConcurrentQueue<string> violations;
    private int nextPid = 1000;

    public SimulatedHost(string name, long pagesPerNuma, int numaNodes, int cpusPerNuma, ConcurrentQueue<string> violations)
    {
        Name = name;
        PagesPerNuma = pagesPerNuma;
        CpusPerNuma = cpusPerNuma;
        freePages = [.. Enumerable.Repeat(pagesPerNuma, numaNodes)];
        this.violations = violations;
    }

    public string Name { get; }

    public long PagesPerNuma { get; }

    public int CpusPerNuma { get; }

    public int NumaNodes => freePages.Length;

    /// <summary>Processes started over the run (a restarted agent adopting one does not count).</summary>
    public int Started { get; private set; }

    public int Killed { get; private set; }

    public IReadOnlyList<SimulatedProcess> Processes()
    {
        lock (gate)
        {
            return [.. processes.Values];
        }
    }

    public SimulatedProcess? Find(string key)
    {
        lock (gate)
        {
            return processes.GetValueOrDefault(key);
        }
    }

    public long FreePages(int numaNode)
    {
        lock (gate)
        {
            return freePages[numaNode];
        }
    }

    /// <summary>What this host's agent would publish: its NUMA nodes with their CPUs, 16Gi each and every 2Mi page free.</summary>
    public NumaNodeTopologyStatus TopologyStatus() => new()
    {
        NumaNodes = [.. Enumerable.Range(0, NumaNodes).Select(id => new NumaNodeStatus
        {
            Id = id,
            Cpus = $"{id * CpusPerNuma}-{(id * CpusPerNuma) + CpusPerNuma - 1}",
            MemoryBytes = 16L << 30,
            Hugepages = [new HugepagePoolStatus { PageSize = "2Mi", Total = PagesPerNuma, Free = PagesPerNuma }],
            Distances = [.. Enumerable.Range(0, NumaNodes).Select(other => other == id ? 10 : 21)],
        })],
    };

    public void RecordViolation(string text) => violations.Enqueue($"{Name}: {text}");

    /// <summary>Starts the VM's process: takes its pages and pins its CPUs; a second start of a running VM is a violation.</summary>
    public SimulatedProcess Start(NumaVirtualMachine vm)
    {
        var placement = vm.Status?.Placement ?? throw new InvalidOperationException($"{vm.Key} has no placement");
        lock (gate)
        {
            if (processes.TryGetValue(vm.Key, out var running))
            {
                violations.Enqueue($"{Name}: a second QEMU for {vm.Key} (pid {running.Pid} already runs)");
                return running;
            }

            foreach (var guest in placement.GuestNodes)
            {
                var pages = ByteQuantity.Parse(guest.Memory) / PageBytes;
                if (guest.HostNode >= freePages.Length || freePages[guest.HostNode] < pages)
                {
                    violations.Enqueue($"{Name}: {vm.Key} needs {pages} pages on NUMA node {guest.HostNode}, the host has {(guest.HostNode < freePages.Length ? freePages[guest.HostNode] : 0)} free");
                }
                else
                {
                    freePages[guest.HostNode] -= pages;
                }

                foreach (var cpu in CpuSet.Parse(guest.HostCpus))
                {
                    if (!pinned.TryAdd(cpu, vm.Key))
                    {
                        violations.Enqueue($"{Name}: CPU {cpu} pinned to {vm.Key} while {pinned[cpu]} holds it");
                    }
                }
            }

            var process = new SimulatedProcess(vm.Key, vm.Metadata.Uid, nextPid++, placement);
            processes[vm.Key] = process;
            Started++;
            return process;
        }
    }

    /// <summary>Stops the process: gives back exactly what <see cref="Start"/> took.</summary>
    public void Kill(SimulatedProcess process)
    {
        lock (gate)
        {
            if (!processes.Remove(process.Key, out var running) || running.Pid != process.Pid)
            {
                return;
            }

            foreach (var guest in running.Placement.GuestNodes)
            {
                if (guest.HostNode < freePages.Length)
                {
                    freePages[guest.HostNode] = Math.Min(PagesPerNuma, freePages[guest.HostNode] + (ByteQuantity.Parse(guest.Memory) / PageBytes));
                }

                foreach (var cpu in CpuSet.Parse(guest.HostCpus))
                {
                    if (pinned.TryGetValue(cpu, out var holder) && holder == running.Key)
                    {
                        pinned.Remove(cpu);
                    }
                }
            }

            Killed++;
        }
    }
}
