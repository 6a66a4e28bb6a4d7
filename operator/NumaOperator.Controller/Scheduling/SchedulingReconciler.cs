using System.Collections.Concurrent;
using System.Diagnostics;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Controller.Accounting;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Controller.Scheduling;

/// <summary>
/// Places NumaVirtualMachines. One decision at a time against an in-memory <see cref="PlacementLedger"/> rebuilt
/// from every VM's status.placement when a term starts (<see cref="Initialize"/>) and kept current: a placement is
/// recorded in the ledger before it is written, released when the VM is gone or its QEMU is gone on deletion.
/// Unschedulable VMs wait in a set and are queued again only when capacity changes (a placement released, a node or
/// topology changed), never in a loop. Level-triggered: every reconcile recomputes the VM's status from caches, judges
/// whether the node of a placed VM still has a live agent (<see cref="NodeLiveness"/>) and ends with the GitOps summary
/// (<see cref="ProgressConditions"/>: observedGeneration, Reconciling, Stalled) the agent computes the same way.
/// </summary>
public sealed partial class SchedulingReconciler : IReconciler, IDisposable
{
    public const string ConditionReconciling = VmConditions.Reconciling;
    public const string ConditionStalled = VmConditions.Stalled;
    public const string ConditionRestartRequired = VmConditions.RestartRequired;
    public const string ReasonSpecChanged = "SpecChanged";
    public const string ReasonPlacementConflict = VmConditions.ReasonPlacementConflict;
    public const string EventFailedScheduling = "FailedScheduling";

    /// <summary>Values of the result tag of <see cref="ControllerTelemetry.SchedulingAttempts"/>.</summary>
    public const string ResultPlaced = "placed";
    public const string ResultUnschedulable = "unschedulable";
    public const string ResultInvalid = "invalid";
    public const string ResultConflict = "conflict";

    private readonly ObjectCache<NumaVirtualMachine> vms;
    private readonly ObjectCache<NumaNodeTopology> topologies;
    private readonly ObjectCache<V1Node> nodes;
    private readonly CustomResourceWriter<NumaVirtualMachine> writer;
    private readonly EventRecorder events;
    private readonly WorkQueue queue;
    private readonly TimeProvider clock;
    private readonly TimeSpan nodeLostAfter;
    private readonly ILogger log;
    private readonly SemaphoreSlim decisions = new(1, 1);
    private readonly ConcurrentDictionary<string, byte> unschedulable = new(StringComparer.Ordinal);

    /// <summary>Capacity and quota changes seen so far, so that a decision can tell one came while it ran.</summary>
    private long capacityEvents;
    private readonly ConcurrentDictionary<string, byte> podsDeferred = new(StringComparer.Ordinal);
    private readonly PackingPolicy packing;
    private readonly ObjectCache<V1Pod> pods;
    private readonly ObjectCache<V1ResourceQuota> quotas;
    private readonly PlaceholderPodWriter podWriter;
    private readonly string placeholderImage;
    private readonly PlacementRetryPolicy retry;
    private PlacementLedger ledger = new(new ClusterSnapshot([]));
    private volatile bool capacityChanged;
    private IReadOnlySet<string> awaitingFreshCount = new HashSet<string>();

    public SchedulingReconciler(
        ObjectCache<NumaVirtualMachine> vms,
        ObjectCache<NumaNodeTopology> topologies,
        ObjectCache<V1Node> nodes,
        CustomResourceWriter<NumaVirtualMachine> writer,
        EventRecorder events,
        WorkQueue queue,
        TimeProvider? clock = null,
        ILogger? logger = null,
        TimeSpan? nodeLostAfter = null,
        PackingPolicy packing = PackingPolicies.Default,
        KubernetesAccounting? accounting = null)
    {
        var counted = accounting ?? throw new ArgumentNullException(nameof(accounting));
        pods = counted.Pods;
        quotas = counted.Quotas;
        podWriter = counted.Writer;
        placeholderImage = counted.PlaceholderImage;
        retry = counted.Retry;
        this.packing = packing;
        this.vms = vms;
        this.topologies = topologies;
        this.nodes = nodes;
        this.writer = writer;
        this.events = events;
        this.queue = queue;
        OwnWrites = new OwnWrites(queue);
        this.clock = clock ?? TimeProvider.System;
        this.nodeLostAfter = nodeLostAfter ?? SchedulingControllerOptions.DefaultNodeLostAfter;
        log = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// The watch events of this reconciler's own VM and placeholder pod writes, held while they run so they do not queue
    /// the VM again (the informers' handlers ask it before queueing).
    /// </summary>
    public OwnWrites OwnWrites { get; }

    /// <summary>Recorded placements the ledger refused when it was last rebuilt (would double-book or name a missing node).</summary>
    public IReadOnlyList<LedgerConflict> Conflicts { get; private set; } = [];

    /// <summary>VMs waiting for capacity.</summary>
    public int UnschedulableCount => unschedulable.Count;

    /// <summary>Placements held by the ledger (recorded or being written).</summary>
    public int PlacedCount => ledger.Count;

    /// <summary>Keys of the VMs waiting for capacity.</summary>
    public IEnumerable<string> UnschedulableKeys => unschedulable.Keys;

    /// <summary>Reads the ledger between two decisions (gauges, from the metrics collection thread).</summary>
    public T ReadLedger<T>(Func<PlacementLedger, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        decisions.Wait();
        try
        {
            return read(ledger);
        }
        finally
        {
            decisions.Release();
        }
    }

    /// <summary>Builds the ledger from the caches: every VM's recorded placement, oldest VM first.</summary>
    public void Initialize()
    {
        decisions.Wait();
        try
        {
            // Cleared before the caches are read: the informers already deliver, and a capacity change that lands
            // while this snapshot is taken must leave the flag set, or the next decision keeps a ledger without it.
            capacityChanged = false;
            var recorded = vms.List()
                .Where(vm => vm.Status?.Placement is not null && !string.IsNullOrEmpty(vm.Status.NodeName))
                .OrderBy(vm => vm.Metadata.CreationTimestamp ?? DateTime.MinValue)
                .ThenBy(vm => vm.Key, StringComparer.Ordinal)
                .Select(vm => TryReadPlacement(vm, out var p) ? new KeyValuePair<string, VmPlacement>?(new(vm.Key, p)) : null)
                .OfType<KeyValuePair<string, VmPlacement>>()
                .Concat(HeldTargets()); // a move in progress holds its target beside the source
            ledger = PlacementLedger.Rebuild(Snapshot(), recorded, out var conflicts, pagesMayExceedCapacity: true);
            Conflicts = conflicts;
            foreach (var conflict in conflicts)
            {
                log.LogError("recorded placement of {Key} refused by the ledger: {Reason}", conflict.Key, conflict.Reason);
            }
        }
        finally
        {
            decisions.Release();
        }
    }

    /// <summary>A node or topology changed: the next decision uses a new snapshot, and waiting VMs are tried again.</summary>
    public void OnCapacityChanged()
    {
        capacityChanged = true;
        Interlocked.Increment(ref capacityEvents);
        RetryUnschedulable();
    }

    /// <summary>
    /// A placed VM started or stopped running: whether the free count includes its pages changes, so the next decision
    /// uses a new snapshot (<see cref="FreePageCapacity"/>). Nothing new fits because of it alone: no retry.
    /// </summary>
    public void OnRunningChanged() => capacityChanged = true;

    /// <summary>
    /// A topology's heartbeat moved: when a VM there runs since its free count was read, that count now includes the
    /// VM's pages, which then count once, not twice (<see cref="FreePageCapacity.AwaitsFreshCount"/>).
    /// </summary>
    public void OnHeartbeat(string nodeName)
    {
        if (awaitingFreshCount.Contains(nodeName))
        {
            OnCapacityChanged();
        }
    }

    /// <summary>A ResourceQuota or a namespace's pods changed: VMs waiting for capacity (or for quota) are tried again.</summary>
    public void OnQuotaChanged()
    {
        Interlocked.Increment(ref capacityEvents);
        RetryUnschedulable();
    }

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken ct)
    {
        // Decisions (ledger reads and writes) run one at a time; API writes run outside the lock, in parallel.
        WritePlan? plan;
        await decisions.WaitAsync(ct);
        var eventsBefore = Interlocked.Read(ref capacityEvents);
        try
        {
            plan = Decide(key);
        }
        finally
        {
            decisions.Release();
        }

        if (Interlocked.Read(ref capacityEvents) != eventsBefore && unschedulable.ContainsKey(key))
        {
            // Capacity changed while this VM was judged on the snapshot before it, and the retry that came with the
            // change may have run before the VM was marked waiting: it is tried again (kube-scheduler's moveRequestCycle).
            queue.Add(key);
        }

        if (plan is not null)
        {
            await ExecuteAsync(plan, ct);
        }

        return ReconcileResult.Done;
    }

    private WritePlan? Decide(string key)
    {
        RefreshSnapshot();
        var vm = vms.Get(key);
        if (vm is null)
        {
            unschedulable.TryRemove(key, out _);
            podsDeferred.TryRemove(key, out _);
            if (ledger.Release(key))
            {
                RetryUnschedulable();
            }

            return null;
        }

        if (vm.Metadata.DeletionTimestamp is not null)
        {
            return Finalize(vm);
        }

        var plan = Schedule(vm);
        if (plan.Desired is { } desired)
        {
            ProgressConditions.Apply(desired, Now());
        }

        return plan with { Pod = PodPlan(plan.Current, plan.Desired) };
    }

    private WritePlan? Finalize(NumaVirtualMachine vm)
    {
        unschedulable.TryRemove(vm.Key, out _);
        if (!(vm.Metadata.Finalizers?.Contains(ApiGroup.Finalizer) ?? false))
        {
            return null;
        }

        if (IsMigrating(vm))
        {
            // The migration controller fails the move as Cancelled, which ends the hold and queues the VM again.
            return null;
        }

        if (!QemuGoneSignal.IsGone(vm, NodeExists(vm.Status?.NodeName)))
        {
            // The agent's status write (phase Stopped) or the Node's deletion queues the VM again. The agent finds the VM
            // by its node label, which is written again here if it was lost (SchedulingEdits.LabelledForAgent). The
            // placeholder pod stays while the QEMU may run.
            return SchedulingEdits.LabelledForAgent(vm) is { } labelled ? new WritePlan(vm, labelled, null) : null;
        }

        if (ledger.Release(vm.Key))
        {
            RetryUnschedulable();
        }

        return new WritePlan(vm, null, null) { Pod = PodPlan(vm, null) }; // the pod goes before the finalizer
    }

    /// <summary>
    /// Writes status, then labels and finalizer (which the agent selects on), or removes the finalizer of a deleted
    /// VM; records an Event when the status changed and one is due.
    /// </summary>
    private async Task ExecuteAsync(WritePlan plan, CancellationToken ct)
    {
        if (plan.Desired is null)
        {
            if (plan.Pod is { } podGone)
            {
                await podWriter.ApplyAsync(podGone, ct); // before the finalizer goes: without a garbage collector (the embedded server) nothing else deletes it
            }

            var released = await writer.UpdateMetadataAsync(plan.Current, m => m.Finalizers?.Remove(ApiGroup.Finalizer), ct);
            if (released is not null)
            {
                vms.Upsert(released, out _);
            }

            return;
        }

        using var writes = OwnWrites.Begin(plan.Current.Key);
        var written = await writer.PatchStatusAsync(plan.Current, plan.Desired, ct);
        writes.Wrote(written);
        if (written is not null)
        {
            vms.Upsert(written, out _);
            if (plan.Event is { } e)
            {
                await events.RecordAsync(plan.Current, e.Type, e.Reason, e.Message, ct);
            }
        }

        var labelled = await writer.PatchMetadataAsync(written ?? plan.Current, plan.Desired, ct);
        writes.Wrote(labelled);
        if (labelled is not null)
        {
            vms.Upsert(labelled, out _);
        }

        if (plan.Pod is PodAction.Create && queue.NormalDepth > 0 && podsDeferred.TryAdd(plan.Current.Key, 0))
        {
            // A burst: other VMs wait for their placements, which their agents act on. The pod follows, once, when
            // none waits (or after the queue's longest low-priority wait); that reconcile decides it again from the caches.
            queue.Add(plan.Current.Key, WorkPriority.Low);
            return;
        }

        if (plan.Pod is { } pod)
        {
            // After the placement is recorded: the pod never names a node the VM is not on. The created pod is not put
            // into the pod cache: a deletion seen before that would leave a pod there that no longer exists.
            writes.Wrote(await podWriter.ApplyAsync(pod, ct));
        }

        podsDeferred.TryRemove(plan.Current.Key, out _); // only now: a create that fails is retried with its backoff, not put off again
    }

    /// <summary>What one decision writes: the desired VM, or (Desired null) the removal of the finalizer; the Event recorded once the status is written.</summary>
    private sealed record WritePlan(NumaVirtualMachine Current, NumaVirtualMachine? Desired, (string Type, string Reason, string Message)? Event)
    {
        /// <summary>The placeholder pod's creation or deletion, after the VM is written.</summary>
        public PodAction? Pod { get; init; }
    }

    public void Dispose() => decisions.Dispose();

    /// <summary>Counts one scheduling attempt and tags the reconcile's span with its result.</summary>
    private static void Attempted(string result)
    {
        ControllerTelemetry.SchedulingAttempts.Add(1, new KeyValuePair<string, object?>("result", result));
        Activity.Current?.SetTag("scheduling.result", result);
    }

    /// <summary>Whole seconds: metav1.Time (lastTransitionTime) carries no fraction.</summary>
    private DateTime Now() => MetaTime.Now(clock);

    private bool NodeExists(string? nodeName) => !string.IsNullOrEmpty(nodeName) && nodes.Get(nodeName) is not null;

    private void RetryUnschedulable()
    {
        foreach (var key in unschedulable.Keys)
        {
            queue.Add(key);
        }
    }

    private ClusterSnapshot Snapshot()
    {
        var snapshot = ClusterSnapshotBuilder.Build(topologies.List(), nodes.List(), vms.List(), out var skipped, out var awaiting);
        awaitingFreshCount = awaiting;
        foreach (var problem in skipped)
        {
            log.LogWarning("node skipped: {Problem}", problem);
        }

        return snapshot;
    }
}
