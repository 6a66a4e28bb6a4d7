using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using NumaOperator.Agent.Runtime;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Capabilities;

namespace NumaOperator.Agent.Topology;

/// <summary>
/// Publishes this node's NumaNodeTopology: creates it (named after the node) when missing, then patches only
/// /status: at start, whenever sysfs says something changed (polled every TopologyPollInterval, or sooner after a VM
/// started or stopped), and as a heartbeat every HeartbeatInterval. spec (reservedCpus) belongs to the admin and is
/// never written.
/// </summary>
public sealed class TopologyPublisher(IKubernetes client, AgentOptions options, IVmRuntime runtime, ILogger logger) : IDisposable
{
    private readonly SemaphoreSlim poked = new(0, 1);
    private readonly TaskCompletionSource published = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private NumaNodeTopologyStatus? last;
    private string? lastKey;
    private DateTime lastWrite;
    private bool exists;

    /// <summary>The host topology last read from sysfs (null before the first successful read).</summary>
    public HostTopology? Topology { get; private set; }

    /// <summary>QEMU as last probed through the launch path (null before the first probe or while QEMU is unusable).</summary>
    public QemuCapabilities? Qemu { get; private set; }

    /// <summary>Why QEMU is not usable, when <see cref="Qemu"/> is null after a probe.</summary>
    public string? QemuProblem { get; private set; } = "QEMU not probed yet";

    /// <summary>
    /// spec.reservedCpus of this node's NumaNodeTopology as last read back (from each status write's answer, so a
    /// change shows within a HeartbeatInterval): CPUs left to the host, never a VM's shared CPUs.
    /// </summary>
    public CpuSet ReservedCpus { get; private set; } = CpuSet.Empty;

    public bool HasPublished => published.Task.IsCompleted;

    public Task WaitPublishedAsync(CancellationToken ct) => published.Task.WaitAsync(ct);

    /// <summary>Read sysfs again now (hugepages were just taken or given back).</summary>
    public void Poke()
    {
        try
        {
            poked.Release();
        }
        catch (SemaphoreFullException)
        {
            // already poked
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await PublishAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException)
            {
                logger.LogWarning("publishing NumaNodeTopology {Node} failed: {Message}", options.NodeName, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Anything else is a bug; it must not end the loop unseen: the agent would wait for its topology forever, logging nothing.
                logger.LogError(e, "publishing NumaNodeTopology {Node} failed ({Type}): {Message}", options.NodeName, e.GetType().Name, e.Message);
            }

            try
            {
                await poked.WaitAsync(options.TopologyPollInterval, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One round: read the host, write the status when it changed or the heartbeat is due.</summary>
    public async Task PublishAsync(CancellationToken ct)
    {
        var now = options.Clock.GetUtcNow().UtcDateTime;
        var facts = await ReadHostAsync(ct);
        var status = TopologyStatusBuilder.Build(facts, last, now);
        var key = TopologyStatusBuilder.ChangeKey(status);
        if (key == lastKey && now - lastWrite < options.HeartbeatInterval)
        {
            return;
        }

        await EnsureExistsAsync(ct);
        var patch = new JsonObject { ["status"] = JsonNode.Parse(KubernetesJson.Serialize(status)) };
        try
        {
            var written = await client.CustomObjects.PatchClusterCustomObjectStatusAsync(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, options.NodeName, cancellationToken: ct);
            ReadReservedCpus(written);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            exists = false; // deleted under us: created again on the next round
            lastKey = null;
            throw;
        }
        if (key != lastKey)
        {
            logger.LogInformation("published NumaNodeTopology {Node}: {Nodes} NUMA node(s), Ready={Ready}", options.NodeName, status.NumaNodes.Count, status.Conditions?.FirstOrDefault()?.Status);
        }

        last = status;
        lastKey = key;
        lastWrite = now;
        published.TrySetResult();
    }

    private async Task<HostFacts> ReadHostAsync(CancellationToken ct)
    {
        string? discoveryError = null;
        try
        {
            Topology = new SysfsTopologyReader(options.SysfsRoot).ReadTopology();
        }
        catch (Exception e) when (e is TopologyDiscoveryException or IOException or UnauthorizedAccessException)
        {
            discoveryError = e.Message;
            logger.LogWarning("NUMA discovery under {Root} failed: {Message}", options.SysfsRoot, e.Message);
        }

        var (qemu, problem) = await runtime.ProbeQemuAsync(ct);
        if (qemu is not null && !ReferenceEquals(qemu, Qemu))
        {
            logger.LogInformation("QEMU {Version} probed: {Accelerators}", qemu.Version, TopologyStatusBuilder.Describe(qemu));
        }

        (Qemu, QemuProblem) = (qemu, problem);
        return new HostFacts(discoveryError is null ? Topology : null, discoveryError, qemu, problem);
    }

    private async Task EnsureExistsAsync(CancellationToken ct)
    {
        if (exists)
        {
            return;
        }

        try
        {
            await client.CustomObjects.CreateClusterCustomObjectAsync(
                new NumaNodeTopology { Metadata = new V1ObjectMeta { Name = options.NodeName } }, ApiGroup.Group, ApiGroup.Version, NumaNodeTopology.Plural, cancellationToken: ct);
            logger.LogInformation("created NumaNodeTopology {Node}", options.NodeName);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // It exists (an earlier run, or the admin created it with spec.reservedCpus): keep it, patch status only.
        }

        exists = true;
    }

    private void ReadReservedCpus(object written)
    {
        var text = RawObject.Tree(written)?["spec"]?["reservedCpus"]?.GetValue<string>();
        var reserved = CpuSet.Empty;
        if (text is not null && !CpuSet.TryParse(text, out reserved, out var error))
        {
            logger.LogWarning("NumaNodeTopology {Node} spec.reservedCpus \"{Text}\" is not a CPU list ({Error}); treating it as none reserved", options.NodeName, text, error);
            reserved = CpuSet.Empty;
        }

        if (!reserved.Equals(ReservedCpus))
        {
            logger.LogInformation("NumaNodeTopology {Node} spec.reservedCpus is now \"{Reserved}\"", options.NodeName, reserved);
        }

        ReservedCpus = reserved;
    }

    public void Dispose() => poked.Dispose();
}
