namespace NumaOperator.ApiServer.Storage;

/// <summary>A watch asked for changes since a resourceVersion older than the retained history: 410 Gone.</summary>
public sealed class ResourceVersionTooOldException(long requested, long oldest)
    : Exception($"too old resource version: {requested} ({oldest})")
{
    public long Requested { get; } = requested;

    public long Oldest { get; } = oldest;
}
