namespace NumaOperator.ApiServer.Storage;

/// <summary>
/// What one selector-filtered watcher sees of a change, as the real server's watch cache decides it
/// (cacheWatcher.convertToWatchEvent): the filter is applied to the object before and after the change.
/// Matched after only → ADDED; before and after → MODIFIED; before only → DELETED with the previous content under the
/// change's resourceVersion; neither → nothing. A delete counts the state before it only.
/// </summary>
public static class WatchSelection
{
    /// <returns>The event to send, or null when the watcher is not interested.</returns>
    public static StoredEvent? Select(StoredEvent change, Func<StoredObject, bool> selected)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(selected);
        var before = change.Previous is { } previous && selected(previous);
        if (change.Type == ChangeType.Deleted)
        {
            // A delete without a known previous state (none is kept for it) is judged by its last state.
            return before || (change.Previous is null && selected(change.Stored)) ? change : null;
        }

        var after = selected(change.Stored);
        return (before, after) switch
        {
            (true, true) => change,
            (false, true) => change.Type == ChangeType.Added ? change : new StoredEvent(ChangeType.Added, change.Stored),
            (true, false) => new StoredEvent(ChangeType.Deleted, change.LeftSelection()),
            _ => null,
        };
    }
}
