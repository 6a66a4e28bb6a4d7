namespace NumaOperator.ApiServer.Storage;

/// <summary>What an acknowledged write survives (SQLite's synchronous setting in WAL mode).</summary>
public enum StorageDurability
{
    /// <summary>synchronous=NORMAL: the process being killed at any point; not an OS crash or power loss (the default).</summary>
    SurvivesProcessCrash,

    /// <summary>synchronous=FULL: also an OS crash or power loss, at one fsync per write (docs/benchmarks.md).</summary>
    SurvivesPowerLoss,
}
