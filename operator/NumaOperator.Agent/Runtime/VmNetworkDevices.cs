using Microsoft.Extensions.Logging;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Networking;

namespace NumaOperator.Agent.Runtime;

/// <summary>
/// The host side of the VMs' NICs for <see cref="QemuVmRuntime"/>: pre-flight (bridges, ports), the taps created just
/// before QEMU starts and removed whenever nothing runs for the VM any more, and the vhost workers kept on the VM's
/// NUMA nodes. Taps carry their VM's uid in their alias, so removal never depends on memory of what was created.
/// </summary>
internal sealed class VmNetworkDevices(IHostNetwork network, IHostPorts ports, ILogger log)
{
    /// <exception cref="Qemu.Preflight.PreflightException">A bridge is missing or a host port is taken.</exception>
    public IReadOnlyList<VmNic> Resolve(Guid uid, IReadOnlyList<NicRequest> requests) =>
        requests.Count == 0 ? [] : NetworkPreflight.Resolve(uid, requests, network, ports);

    /// <summary>Creates every tap of the VM, or none: on a failure the ones made are removed again.</summary>
    /// <exception cref="IOException">ip refused (the message names the tap and the bridge).</exception>
    public void CreateTaps(Guid uid, IReadOnlyList<VmNic> nics)
    {
        try
        {
            foreach (var nic in nics)
            {
                if (nic.Backend is NicBackend.Tap tap)
                {
                    network.CreateTap(tap.Device, tap.Bridge, TapNames.Owner(uid, nic.Name));
                    log.LogInformation("tap {Tap} created on bridge {Bridge} for VM uid {Uid} interface {Interface}", tap.Device, tap.Bridge, uid, nic.Name);
                }
            }
        }
        catch (IOException)
        {
            RemoveTaps(uid);
            throw;
        }
    }

    /// <summary>Removes every tap marked as <paramref name="uid"/>'s (a failure is logged: the next clean-up tries again).</summary>
    public void RemoveTaps(Guid uid) => Remove(owner => owner == uid);

    /// <summary>Removes the taps of VMs for which <paramref name="runs"/> says nothing can run any more.</summary>
    public void RemoveOrphans(Func<Guid, bool> runs) => Remove(owner => !runs(owner));

    /// <summary>
    /// Keeps the kernel's vhost-net workers of the QEMU on <paramref name="cpus"/>, the VM's emulator CPUs: the shared
    /// CPUs of its host NUMA node(s), where its memory is (they copy every packet to and from guest RAM), never another
    /// VM's dedicated CPU. Set once at start: a later change of the host's CPU pools does not reach these kernel threads.
    /// </summary>
    public void PinVhostWorkers(int pid, CpuSet cpus, IReadOnlyList<VmNic> nics)
    {
        if (!nics.Any(n => n.Backend is NicBackend.Tap { Vhost: true }))
        {
            return;
        }

        try
        {
            var pinned = VhostWorkers.Pin(pid, cpus);
            log.LogInformation("QEMU pid {Pid}: {Count} vhost worker thread(s) pinned to CPUs {Cpus}", pid, pinned, cpus);
        }
        catch (IOException e)
        {
            log.LogWarning("QEMU pid {Pid}: vhost workers could not be pinned to CPUs {Cpus}: {Message}", pid, cpus, e.Message);
        }
    }

    private void Remove(Func<Guid, bool> matches)
    {
        try
        {
            foreach (var (tap, owner) in network.OwnedTaps())
            {
                if (TapNames.OwnerUid(owner) is { } uid && matches(uid))
                {
                    network.DeleteTap(tap);
                    log.LogInformation("tap {Tap} of VM uid {Uid} removed", tap, uid);
                }
            }
        }
        catch (IOException e)
        {
            log.LogWarning("taps could not be listed or removed in {Where}: {Message}", network.Where, e.Message);
        }
    }
}
