namespace NumaOperator.ControllerRuntime;

/// <summary>How soon a queued key is processed (<see cref="WorkQueue.Add(string, WorkPriority)"/>).</summary>
public enum WorkPriority
{
    Normal,

    /// <summary>Waits while keys of normal priority do, at most <see cref="WorkQueue.LowPriorityMaxWait"/>.</summary>
    Low,
}
