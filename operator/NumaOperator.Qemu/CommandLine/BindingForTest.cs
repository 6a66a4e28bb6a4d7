namespace NumaOperator.Qemu.CommandLine;

/// <summary>
/// How the memory backends are bound. Everything but <see cref="AsPlaced"/> is a deliberately wrong command line for
/// the NUMA lab's control runs (hidden `--*-for-test` flags of `launch`, `agent`, `standalone`), never reachable from
/// the API: each reproduces a real bug shape the measurement must catch.
/// </summary>
public enum BindingForTest
{
    /// <summary>Each guest node's backend bound to its own placed host node (host-nodes=N, policy=bind|preferred).</summary>
    AsPlaced,

    /// <summary>No host-nodes/policy at all: the seed bug (memory lands where the prealloc thread runs).</summary>
    Omitted,

    /// <summary>Guest node i's backend bound to guest node i+1's host node (rotated; two nodes: swapped).</summary>
    Swapped,

    /// <summary>Every backend bound to all the VM's placed host nodes (host-nodes=0-1): the kernel fills the nearest node first.</summary>
    Wide,
}
