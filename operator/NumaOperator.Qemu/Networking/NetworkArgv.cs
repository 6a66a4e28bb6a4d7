using System.Globalization;
using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Qemu.Networking;

/// <summary>
/// The QEMU options of a VM's NICs: one -netdev (user with hostfwd, or tap) and one virtio-net-pci device per NIC,
/// in spec order, so the guest names them eth0, eth1, ... in the same order. Pure.
/// </summary>
public static class NetworkArgv
{
    public static IReadOnlyList<string> For(IReadOnlyList<VmNic> nics)
    {
        ArgumentNullException.ThrowIfNull(nics);
        var argv = new List<string>();
        for (var i = 0; i < nics.Count; i++)
        {
            var nic = nics[i];
            var id = "net" + i.ToString(CultureInfo.InvariantCulture);
            argv.AddRange(["-netdev", Netdev(id, nic.Backend)]);

            // romfile= (empty): no iPXE option ROM; the VM boots from -kernel or its disk, never from the network.
            argv.AddRange(["-device", $"virtio-net-pci,netdev={id},id=nic{i.ToString(CultureInfo.InvariantCulture)},mac={QemuOptionValue.Escape(nic.MacAddress)},romfile="]);
        }

        return argv;
    }

    private static string Netdev(string id, NicBackend backend) => backend switch
    {
        NicBackend.UserNetwork user => $"user,id={id}" + string.Concat(user.Forwards.Select(f => ",hostfwd=" + HostFwd(f))),
        NicBackend.Tap tap => $"tap,id={id},ifname={QemuOptionValue.Escape(tap.Device)},script=no,downscript=no,vhost={(tap.Vhost ? "on" : "off")}",
        _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "unknown NIC backend"),
    };

    /// <summary>QEMU's hostfwd rule: "tcp:HOSTADDR:HOSTPORT-:GUESTPORT" (the guest address left to slirp's DHCP lease).</summary>
    private static string HostFwd(HostForward f) =>
        string.Create(CultureInfo.InvariantCulture, $"{f.Protocol.ToLowerInvariant()}:{QemuOptionValue.Escape(f.HostAddress)}:{f.HostPort}-:{f.GuestPort}");
}
