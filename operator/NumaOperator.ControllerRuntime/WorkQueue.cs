using System.Diagnostics.CodeAnalysis;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// The controller work queue, in the spirit of client-go's: a key is queued at most once however often it is added;
/// a key added while a worker processes it runs once more after <see cref="Done"/>; no key is processed by two
/// workers at once; failing keys back off exponentially per key (<see cref="AddRateLimited"/>) until
/// <see cref="Forget"/>; <see cref="AddAfter"/> re-adds later (RequeueAfter). Timers come from a
/// <see cref="TimeProvider"/> so tests drive time. As in controller-runtime's priority queue, a key added at
/// <see cref="WorkPriority.Low"/> waits while keys of normal priority do, and an add at normal priority raises it; unlike
/// it, a low key that has waited <see cref="LowPriorityMaxWait"/> goes first, so a queue that never empties does not
/// starve it.
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "'work queue' is the controller-runtime term")]
public sealed class WorkQueue : IDisposable
{
    private readonly Lock gate = new();
    private readonly Queue<string> ready = new();
    private readonly Queue<LowEntry> readyLow = new();
    private readonly Dictionary<string, long> low = new(StringComparer.Ordinal); // dirty keys wanted at low priority only: the id of their live entry (0: none yet)
    private readonly HashSet<string> dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> processing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DateTimeOffset Due, ITimer Timer)> delayed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim available = new(0);
    private readonly TimeProvider clock;
    private readonly ExponentialBackoff backoff;
    private readonly TimeSpan lowPriorityMaxWait;
    private long lastLowId;
    private bool shutDown;

    public WorkQueue(TimeProvider? clock = null, ExponentialBackoff? backoff = null, TimeSpan? lowPriorityMaxWait = null)
    {
        this.clock = clock ?? TimeProvider.System;
        this.backoff = backoff ?? ExponentialBackoff.Default;
        this.lowPriorityMaxWait = lowPriorityMaxWait ?? LowPriorityMaxWait;
    }

    /// <summary>How long a low-priority key waits at most behind keys of normal priority, by default.</summary>
    public static TimeSpan LowPriorityMaxWait { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Keys waiting for a worker, of either priority (not those being processed or delayed).</summary>
    public int Depth
    {
        get
        {
            lock (gate)
            {
                return dirty.Count - processing.Count(dirty.Contains);
            }
        }
    }

    /// <summary>Keys of normal priority waiting for a worker: while there are any, low-priority keys wait.</summary>
    public int NormalDepth
    {
        get
        {
            lock (gate)
            {
                return ready.Count;
            }
        }
    }

    /// <summary>Keys waiting for a timer (RequeueAfter or backoff).</summary>
    public int DelayedCount
    {
        get
        {
            lock (gate)
            {
                return delayed.Count;
            }
        }
    }

    public void Add(string key) => Add(key, WorkPriority.Normal);

    /// <summary>Queues the key at <paramref name="priority"/>; a key already waiting at low priority is raised by a normal add.</summary>
    public void Add(string key, WorkPriority priority)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (gate)
        {
            if (shutDown)
            {
                return;
            }

            if (!dirty.Add(key))
            {
                // Already wanted: a normal add raises a low-priority wait (its entry in readyLow is stale from now on).
                if (priority == WorkPriority.Low || !low.Remove(key) || processing.Contains(key))
                {
                    return;
                }
            }
            else if (priority == WorkPriority.Low)
            {
                low[key] = 0;
                if (processing.Contains(key))
                {
                    return; // Done queues it
                }

                EnqueueLowLocked(key);
                available.Release();
                return;
            }
            else if (processing.Contains(key))
            {
                return;
            }

            ready.Enqueue(key);
            available.Release(); // under the lock: Dispose cannot come between the shutDown check and the release
        }
    }

    /// <summary>Adds the key after <paramref name="delay"/>; an earlier pending re-add of the same key wins.</summary>
    public void AddAfter(string key, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (gate)
        {
            if (shutDown)
            {
                return;
            }

            var due = clock.GetUtcNow() + delay;
            if (delayed.TryGetValue(key, out var pending))
            {
                if (pending.Due <= due)
                {
                    return;
                }

                pending.Timer.Dispose();
            }

            var timer = clock.CreateTimer(_ => Fire(key), null, delay, Timeout.InfiniteTimeSpan);
            delayed[key] = (due, timer);
        }
    }

    /// <summary>Adds the key after its backoff delay and counts one more failure for it.</summary>
    public void AddRateLimited(string key)
    {
        int count;
        lock (gate)
        {
            count = failures.GetValueOrDefault(key);
            failures[key] = count + 1;
        }

        AddAfter(key, backoff.Delay(count));
    }

    /// <summary>The key succeeded: its next failure starts from the base delay again.</summary>
    public void Forget(string key)
    {
        lock (gate)
        {
            failures.Remove(key);
        }
    }

    public int Failures(string key)
    {
        lock (gate)
        {
            return failures.GetValueOrDefault(key);
        }
    }

    /// <summary>Waits for a key and marks it as being processed; call <see cref="Done"/> when finished with it.</summary>
    public async ValueTask<string> TakeAsync(CancellationToken ct)
    {
        while (true)
        {
            await available.WaitAsync(ct);
            lock (gate)
            {
                if (TryTakeLocked(out var key))
                {
                    dirty.Remove(key);
                    processing.Add(key);
                    return key;
                }
            }
        }
    }

    /// <summary>
    /// Takes one entry for one permit: a normal key unless the oldest low one is due. A low entry is live while its key
    /// waits at low priority with that entry; one left behind by a raise or a later entry of the same key is stale, and
    /// skipping it uses up its own permit.
    /// </summary>
    private bool TryTakeLocked(out string key)
    {
        var lowDue = readyLow.TryPeek(out var oldest) && IsLive(oldest) && clock.GetElapsedTime(oldest.Since) >= lowPriorityMaxWait;
        if (!lowDue && ready.TryDequeue(out key!))
        {
            return true;
        }

        if (readyLow.TryDequeue(out var entry) && IsLive(entry))
        {
            low.Remove(entry.Key);
            key = entry.Key;
            return true;
        }

        key = null!;
        return false;
    }

    private bool IsLive(LowEntry entry) => low.TryGetValue(entry.Key, out var id) && id == entry.Id;

    private void EnqueueLowLocked(string key)
    {
        var id = ++lastLowId;
        low[key] = id;
        readyLow.Enqueue(new LowEntry(key, id, clock.GetTimestamp()));
    }

    /// <summary>Processing of the key finished; if it was added meanwhile it is queued again now.</summary>
    public void Done(string key)
    {
        lock (gate)
        {
            processing.Remove(key);
            if (shutDown || !dirty.Contains(key))
            {
                return;
            }

            if (low.ContainsKey(key))
            {
                EnqueueLowLocked(key);
            }
            else
            {
                ready.Enqueue(key);
            }

            available.Release(); // under the lock, as in Add
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            shutDown = true;
            foreach (var (_, pending) in delayed)
            {
                pending.Timer.Dispose();
            }

            delayed.Clear();
            ready.Clear();
            readyLow.Clear();
            low.Clear();
            dirty.Clear();
        }

        available.Dispose();
    }

    private void Fire(string key)
    {
        lock (gate)
        {
            if (!delayed.Remove(key, out var pending))
            {
                return;
            }

            pending.Timer.Dispose();
        }

        Add(key);
    }

    /// <summary>A low-priority key's place in line: its id tells it from entries the key left behind.</summary>
    private readonly record struct LowEntry(string Key, long Id, long Since);
}
