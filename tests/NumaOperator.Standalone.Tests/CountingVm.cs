using System.Text.Json.Nodes;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Standalone.Tests;

/// <summary>
/// A NumaVirtualMachine booting the test Linux guest with its counter on (numaguest.count=1): 128 MiB of 2 MiB pages
/// bound to host node 0, selected onto one node by the kubernetes.io/hostname label.
/// </summary>
public static class CountingVm
{
    /// <summary>2 MiB pages one such VM holds.</summary>
    public const long Pages = 64;

    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(4);

    /// <summary>
    /// Copies the guest into the cluster's image root and returns the VM's manifest; with <paramref name="node"/> the
    /// VM selects that node (and can never move off it), without it any node.
    /// </summary>
    public static string Manifest(TwoAgentCluster cluster, string name, string? node)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var boot = TestGuest.CopyInto(cluster.Images, uncompressedKernel: true);
        var selector = node is null ? "{}" : $"{{kubernetes.io/hostname: {node}}}";
        return $"""
            apiVersion: numaoperator.io/v1alpha1
            kind: NumaVirtualMachine
            metadata:
              name: {name}
              namespace: default
            spec:
              accelerator: Any
              nodeSelector: {selector}
              cpu:
                cores: 1
              memory:
                size: 128Mi
                hugepages:
                  pageSize: 2Mi
              numa:
                nodes: "0"
              boot:
                kernel: {boot.Kernel}
                initrd: {boot.Initrd}
                cmdline: "{TestGuest.Cmdline(GuestCounter.Option)}"
            """;
    }

    /// <summary>
    /// Applies the VM and waits until it is Ready on <paramref name="node"/> and its guest has counted to 3; returns the
    /// VM. <paramref name="selectNode"/> false: no nodeSelector (the VM lands on <paramref name="node"/> because it is
    /// the only node running an agent yet, and may be migrated later).
    /// </summary>
    public static async Task<JsonObject> StartAsync(TwoAgentCluster cluster, string name, string node, bool selectNode = true)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        await cluster.ApplyAsync(name, Manifest(cluster, name, selectNode ? node : null));
        var vm = await cluster.Kubectl.WaitVmAsync(name, v => Kubectl.Condition(v, "Ready") == "True", BootTimeout, cluster.Standalone);
        Assert.Equal(node, (string?)vm!["status"]!["nodeName"]);
        var uid = (string)vm["metadata"]!["uid"]!;
        await WaitCountsAsync(cluster.SerialLog(node, uid), atLeast: 3, BootTimeout);
        return vm;
    }

    /// <summary>Waits until the serial log holds a count of at least <paramref name="atLeast"/>; returns its counts.</summary>
    public static Task<IReadOnlyList<long>> WaitCountsAsync(string serialLog, long atLeast, TimeSpan timeout) =>
        Eventually.UntilAsync(
            () => Task.FromResult(GuestCounter.Counts(serialLog)),
            c => c.Count > 0 && c[^1] >= atLeast,
            timeout,
            $"NUMAGUEST-COUNT {atLeast} in {serialLog}",
            describe: c => $"counts [{string.Join(", ", c.TakeLast(10))}]",
            context: () => "serial log tail:\n" + string.Join('\n', GuestSerial.Lines(serialLog).TakeLast(20)),
            poll: TimeSpan.FromMilliseconds(500));
}
