namespace NumaOperator.ApiServer.Storage;

/// <summary>Where objects outlive the process. Called under the store's lock, one change at a time.</summary>
public interface IPersistence : IDisposable
{
    /// <summary>The last resourceVersion handed out and every stored object.</summary>
    (long ResourceVersion, IReadOnlyList<StoredObject> Objects) Load();

    void Save(StoredObject obj);

    void Delete(StoredObject obj);
}

/// <summary>Memory mode: nothing outlives the process.</summary>
public sealed class NoPersistence : IPersistence
{
    public (long ResourceVersion, IReadOnlyList<StoredObject> Objects) Load() => (0, []);

    public void Save(StoredObject obj)
    {
    }

    public void Delete(StoredObject obj)
    {
    }

    public void Dispose()
    {
    }
}
