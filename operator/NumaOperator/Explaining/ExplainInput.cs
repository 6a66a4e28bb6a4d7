using k8s.Models;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Cli.Explaining;

/// <summary>
/// What <see cref="ExplanationBuilder"/> reads: the VM, the Events about it, and — only when it is not placed
/// (<see cref="ExplanationBuilder.NeedsCluster"/>) or when the NUMA picture is drawn — every VM, NumaNodeTopology
/// and Node, so the placement engine sees what the controller sees. <see cref="Now"/> makes ages deterministic.
/// </summary>
public sealed record ExplainInput(
    NumaVirtualMachine Vm,
    IReadOnlyList<Corev1Event> Events,
    IReadOnlyList<NumaVirtualMachine> AllVms,
    IReadOnlyList<NumaNodeTopology> Topologies,
    IReadOnlyList<V1Node> Nodes,
    DateTime Now);
