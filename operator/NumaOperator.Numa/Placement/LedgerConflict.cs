namespace NumaOperator.Numa.Placement;

/// <summary>A recorded placement the ledger refused while rebuilding, because honouring it would double-book.</summary>
/// <param name="Key">namespace/name of the VM whose placement was refused.</param>
/// <param name="Reason">What would have been double-booked or does not exist, e.g. "host CPU 5 on worker-1 is already pinned".</param>
public sealed record LedgerConflict(string Key, string Reason);
