namespace NumaOperator.Qemu.Networking;

/// <summary>The host's network devices as the agent uses them: bridges to check, taps to create and remove.</summary>
public interface IHostNetwork
{
    /// <summary>Where the checks and devices live, for messages ("this node", "network namespace X").</summary>
    string Where { get; }

    /// <summary>A Linux bridge of this name exists.</summary>
    bool IsBridge(string name);

    /// <summary>The kernel's vhost-net is there (/dev/vhost-net), so taps can move frames without QEMU's main loop.</summary>
    bool VhostNetAvailable { get; }

    /// <summary>Creates the tap (replacing a leftover of the same name), marks it with <paramref name="owner"/>, attaches it to the bridge and sets it up.</summary>
    void CreateTap(string tap, string bridge, string owner);

    /// <summary>Removes the tap; nothing happens when it is already gone.</summary>
    void DeleteTap(string tap);

    /// <summary>Every tap whose alias is an owner mark of <see cref="TapNames"/>, with that alias.</summary>
    IReadOnlyList<(string Tap, string Owner)> OwnedTaps();
}

/// <summary>Host sockets a user-mode forward listens on.</summary>
public interface IHostPorts
{
    /// <summary>Nothing listens on the socket now (a test bind succeeds).</summary>
    bool IsFree(string protocol, string address, int port);

    /// <summary>Ports the kernel gives for a bind to port 0, all distinct (each held until every one is picked).</summary>
    IReadOnlyList<int> PickFree(IReadOnlyList<(string Protocol, string Address)> sockets);
}
