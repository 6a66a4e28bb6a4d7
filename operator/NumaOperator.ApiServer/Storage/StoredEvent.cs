namespace NumaOperator.ApiServer.Storage;

/// <summary>
/// One change, as kept in the watch history and sent to watchers. <see cref="Previous"/> is the state the change
/// replaced (null for a create): a selector-filtered watch needs both states
/// to tell whether the object entered, stayed in or left its selection (<see cref="WatchSelection"/>).
/// </summary>
public sealed record StoredEvent(ChangeType Type, StoredObject Stored, StoredObject? Previous = null)
{
    private StoredObject? leftSelection;

    public string TypeName => Type switch
    {
        ChangeType.Added => "ADDED",
        ChangeType.Modified => "MODIFIED",
        _ => "DELETED",
    };

    /// <summary>
    /// What a watcher whose selector the object left receives with DELETED: the previous content under this change's
    /// resourceVersion (the real server's cacher does the same, so a client resuming from it does not replay the change).
    /// Built once per change, whatever the number of watchers.
    /// </summary>
    internal StoredObject LeftSelection() =>
        leftSelection ??= (Previous ?? throw new InvalidOperationException("a change without a previous state cannot leave a selection"))
            .WithResourceVersion(Stored.ResourceVersion);
}
