using System.Globalization;
using k8s.Models;
using NumaOperator.Agent.Migration;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// The API server as the migration driver sees it, in memory: migrations and VMs by key, a resourceVersion per
/// write, 409 when a patch was computed from an older one; <see cref="BeforePatch"/> lets a test write first (the
/// controller or the other agent racing the driver).
/// </summary>
internal sealed class FakeMigrationStore : IMigrationStore
{
    private readonly object gate = new();
    private readonly Dictionary<string, NumaVirtualMachineMigration> migrations = [];
    private readonly Dictionary<string, NumaVirtualMachine> vms = [];
    private int version = 1;

    /// <summary>Runs once before the next patch is applied (then cleared).</summary>
    public Action? BeforePatch { get; set; }

    public int Patches { get; private set; }

    public NumaVirtualMachineMigration Put(NumaVirtualMachineMigration migration)
    {
        lock (gate)
        {
            migration.Metadata.ResourceVersion = (++version).ToString(CultureInfo.InvariantCulture);
            migrations[migration.Key] = ObjectKey.Clone(migration);
            return ObjectKey.Clone(migration);
        }
    }

    public void PutVm(NumaVirtualMachine vm)
    {
        lock (gate)
        {
            vms[vm.Key] = ObjectKey.Clone(vm);
        }
    }

    public NumaVirtualMachineMigration Get(string key)
    {
        lock (gate)
        {
            return ObjectKey.Clone(migrations[key]);
        }
    }

    public Task<NumaVirtualMachineMigration?> ReadAsync(string ns, string name, CancellationToken ct)
    {
        lock (gate)
        {
            return Task.FromResult(migrations.TryGetValue(ns + "/" + name, out var m) ? ObjectKey.Clone(m) : null);
        }
    }

    public Task<NumaVirtualMachineMigration?> PatchStatusAsync(NumaVirtualMachineMigration current, NumaVirtualMachineMigration desired, CancellationToken ct)
    {
        var racing = BeforePatch;
        BeforePatch = null;
        racing?.Invoke();
        lock (gate)
        {
            var stored = migrations[current.Key];
            if (stored.Metadata.ResourceVersion != current.Metadata.ResourceVersion)
            {
                throw new MigrationConflictException("conflict");
            }

            if (k8s.KubernetesJson.Serialize(stored.Status) == k8s.KubernetesJson.Serialize(desired.Status))
            {
                return Task.FromResult<NumaVirtualMachineMigration?>(null);
            }

            Patches++;
            var written = ObjectKey.Clone(desired);
            written.Metadata.ResourceVersion = (++version).ToString(CultureInfo.InvariantCulture);
            migrations[current.Key] = written;
            return Task.FromResult<NumaVirtualMachineMigration?>(ObjectKey.Clone(written));
        }
    }

    public Task<NumaVirtualMachine?> ReadVmAsync(string ns, string name, CancellationToken ct)
    {
        lock (gate)
        {
            return Task.FromResult(vms.TryGetValue(ns + "/" + name, out var vm) ? ObjectKey.Clone(vm) : null);
        }
    }

    public Task<bool> WriteVmInterfacesAsync(string ns, string name, IList<InterfaceStatus>? interfaces, CancellationToken ct)
    {
        lock (gate)
        {
            if (!vms.TryGetValue(ns + "/" + name, out var vm))
            {
                return Task.FromResult(false);
            }

            vm.Status ??= new NumaVirtualMachineStatus();
            vm.Status.Interfaces = interfaces is null ? null : [.. interfaces];
            return Task.FromResult(true);
        }
    }

    public NumaVirtualMachine GetVm(string key)
    {
        lock (gate)
        {
            return ObjectKey.Clone(vms[key]);
        }
    }
}

/// <summary>The VM reconciler's side of a migration: which source QEMU it holds, what it gave up, which VMs it was asked to look at.</summary>
internal sealed class FakeMigratingVms : IMigratingVms
{
    private readonly Dictionary<Guid, IVmProcess> held = [];

    public List<Guid> Released { get; } = [];

    public List<Guid> Poked { get; } = [];

    public void Hold(IVmProcess process) => held[process.Uid] = process;

    public IVmProcess? SourceProcess(Guid uid) => held.GetValueOrDefault(uid);

    public IVmProcess? Release(Guid uid)
    {
        Released.Add(uid);
        return held.Remove(uid, out var process) ? process : null;
    }

    public void Poke(Guid uid) => Poked.Add(uid);
}

/// <summary>A migration of VM "db" with a source and a target node, as the controller scheduled it.</summary>
internal static class TestMigrations
{
    public static VmPlacement Placement(string node, int hostNode) =>
        new(node, PageSize.Huge2Mi, [new GuestNodePlacement(0, hostNode, CpuSet.Parse("0"), CpuSet.Empty, 64L << 20)]);

    public static NumaVirtualMachine Vm(Guid uid, string node, VmPlacement placement)
    {
        var vm = AgentTestVms.Vm("db", kernel: "vmlinuz");
        vm.Metadata.Uid = uid.ToString("D");
        vm.Status = new NumaVirtualMachineStatus { NodeName = node, Placement = PlacementConversion.ToStatus(placement) };
        return vm;
    }

    public static NumaVirtualMachineMigration Scheduled(Guid uid, string source, string target, VmPlacement targetPlacement, string? bandwidth = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "move-db", NamespaceProperty = "default" },
        Spec = new NumaVirtualMachineMigrationSpec { VmName = "db", Bandwidth = bandwidth },
        Status = new NumaVirtualMachineMigrationStatus
        {
            Phase = MigrationPhases.Scheduled,
            VmUid = uid.ToString("D"),
            SourceNode = source,
            TargetNode = target,
            SourcePlacement = PlacementConversion.ToStatus(Placement(source, 0)),
            TargetPlacement = PlacementConversion.ToStatus(targetPlacement),
        },
    };
}
