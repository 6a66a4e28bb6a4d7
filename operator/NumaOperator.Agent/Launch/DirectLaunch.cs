using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Agent.Launch;

/// <summary>QEMU as the agent's own child, daemonized: right on a host (standalone) where the agent is not in a pod.</summary>
public sealed class DirectLaunch : ILaunchStrategy
{
    public string Name => "direct";

    public IReadOnlyList<string> Wrap(IReadOnlyList<string> qemuArgv, VmLaunchSpec spec) => qemuArgv;

    public IReadOnlyList<string> ProbePrefix => [];

    public string HostRoot => "/";
}
