using k8s.Models;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Api.Status;

namespace NumaOperator.Agent.Tests;

/// <summary>The small VM the agent tests run (real QEMU or fake), and what "it runs as placed" reads as in its status.</summary>
internal static class AgentTestVms
{
    /// <summary>One vCPU, 64Mi of 2Mi hugepages on host node 0, running; <paramref name="kernel"/> under the image root when given.</summary>
    public static NumaVirtualMachine Vm(string name, string? kernel = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new NumaVirtualMachineSpec
        {
            Accelerator = "Any", // runs under KVM where the machine has it, else emulation
            Running = true,
            Cpu = new CpuSpec { Cores = 1, Dedicated = false },
            Memory = new MemorySpec { Size = "64Mi", Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
            Numa = new NumaSpec { Nodes = "0" },
            Boot = kernel is null ? null : new BootSpec { Kernel = kernel },
        },
    };

    /// <summary>Running, NumaAligned and Ready, for the current generation.</summary>
    public static bool IsReady(NumaVirtualMachine? vm) =>
        vm?.Status is { Phase: AgentConditions.PhaseRunning } s
        && ConditionList.IsTrue(s.Conditions, AgentConditions.Running)
        && ConditionList.IsTrue(s.Conditions, AgentConditions.NumaAligned)
        && ConditionList.IsTrue(s.Conditions, AgentConditions.Ready)
        && s.ObservedGeneration == vm.Metadata.Generation;

    /// <summary>An agent of the real-QEMU tests: fast sampling, liveness and topology polls, a short stop grace.</summary>
    public static AgentOptions QemuAgentOptions(string node, string stateDir, string imageRoot) => new()
    {
        NodeName = node,
        StateDirectory = stateDir,
        ImageRoot = imageRoot,
        SampleInterval = TimeSpan.FromSeconds(2),
        LivenessInterval = TimeSpan.FromMilliseconds(500),
        StopGrace = TimeSpan.FromSeconds(1),
        TopologyPollInterval = TimeSpan.FromMilliseconds(500),
        HeartbeatInterval = TimeSpan.FromSeconds(5),
    };
}
