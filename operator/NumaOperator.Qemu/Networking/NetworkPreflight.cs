using System.Globalization;
using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Qemu.Networking;

/// <summary>
/// The host-side checks of a VM's NICs before anything starts, and their launch form: every bridge exists, every
/// forward's host socket is free (a port is picked where the spec left it out), taps get their deterministic names and
/// vhost when the kernel offers it. Creates nothing: the taps are made just before QEMU starts.
/// </summary>
public static class NetworkPreflight
{
    /// <exception cref="PreflightException">A bridge is missing or a host port is taken (host problems: retried later).</exception>
    public static IReadOnlyList<VmNic> Resolve(Guid vmUid, IReadOnlyList<NicRequest> requests, IHostNetwork network, IHostPorts ports)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(ports);
        var problems = new List<string>();
        foreach (var request in requests.Where(r => r.Bridge is not null && !network.IsBridge(r.Bridge)))
        {
            problems.Add($"{Field(request)}.bridge.name: no bridge \"{request.Bridge}\" in {network.Where} (/sys/class/net/{request.Bridge}/bridge is missing)");
        }

        var fixedForwards = requests.SelectMany(r => (r.Forwards ?? []).Select((f, j) => (Request: r, Forward: f, Index: j))).Where(x => x.Forward.HostPort is not null);
        foreach (var (request, forward, j) in fixedForwards.Where(x => !ports.IsFree(x.Forward.Protocol, x.Forward.HostAddress, x.Forward.HostPort!.Value)))
        {
            problems.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{Field(request)}.userNetwork.portForwards[{j}].hostPort: {forward.Protocol} {forward.HostAddress}:{forward.HostPort} is already in use in {network.Where}"));
        }

        if (problems.Count > 0)
        {
            throw new PreflightException(string.Join("; ", problems), isBadInput: false);
        }

        var toPick = requests.SelectMany(r => r.Forwards ?? []).Where(f => f.HostPort is null).Select(f => (f.Protocol, f.HostAddress)).ToArray();
        var picked = new Queue<int>(toPick.Length == 0 ? [] : ports.PickFree(toPick));
        var vhost = network.VhostNetAvailable;
        return [.. requests.Select(r => new VmNic(r.Name, r.MacAddress, Backend(vmUid, r, picked, vhost)))];
    }

    private static NicBackend Backend(Guid vmUid, NicRequest request, Queue<int> picked, bool vhost) =>
        request.Bridge is { } bridge
            ? new NicBackend.Tap(TapNames.For(vmUid, request.Name), bridge, vhost)
            : new NicBackend.UserNetwork([.. (request.Forwards ?? []).Select(f => new HostForward(f.Name, f.Protocol, f.GuestPort, f.HostAddress, f.HostPort ?? picked.Dequeue()))]);

    private static string Field(NicRequest request) => string.Create(CultureInfo.InvariantCulture, $"spec.interfaces[{request.Index}]");
}
