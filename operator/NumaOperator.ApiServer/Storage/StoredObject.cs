namespace NumaOperator.ApiServer.Storage;

/// <summary>
/// One object as stored: its serialized JSON (with metadata.resourceVersion already set) and its labels for selectors.
/// Immutable; readers parse <see cref="Json"/> to get a copy they may change.
/// </summary>
public sealed record StoredObject(string Resource, string Namespace, string Name, long ResourceVersion, byte[] Json, IReadOnlyDictionary<string, string> Labels);

/// <summary>ADDED, MODIFIED or DELETED, as a watch stream spells it.</summary>
public enum ChangeType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One change, as kept in the watch history and sent to watchers.</summary>
public sealed record StoredEvent(ChangeType Type, StoredObject Stored)
{
    public string TypeName => Type switch
    {
        ChangeType.Added => "ADDED",
        ChangeType.Modified => "MODIFIED",
        _ => "DELETED",
    };
}
