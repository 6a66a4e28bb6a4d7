using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace NumaOperator.ControllerRuntime;

/// <summary>What changed in an informer's cache: the new object (or the last known one for a delete) and the one it replaced.</summary>
public readonly record struct CacheChange<T>(WatchEventType Type, T Item, T? Previous);

/// <summary>
/// Keeps an <see cref="ObjectCache{T}"/> in step with the API server: list, then watch from the list's
/// resourceVersion, following every event's and bookmark's resourceVersion; each watch asks the server to end it
/// after a jittered timeoutSeconds (KubernetesClient sets no client timeout on watches) and is resumed from the last
/// resourceVersion seen. When the server answers 410 Gone (the history was compacted; KubernetesClient hands it to
/// onError, not as an event) it lists again and reports objects that vanished meanwhile as deletes.
/// </summary>
public sealed class Informer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IResourceApi<T> api;
    private readonly InformerOptions options;
    private readonly ILogger logger;
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Informer(IResourceApi<T> api, InformerOptions? options = null, ILogger? logger = null)
    {
        this.api = api;
        this.options = options ?? new InformerOptions();
        this.logger = logger ?? NullLogger.Instance;
    }

    public ObjectCache<T> Cache { get; } = new();

    /// <summary>Called for every change applied to the cache, on the informer's task; keep it short (enqueue keys).</summary>
    public event Action<CacheChange<T>>? Changed;

    public bool HasSynced => synced.Task.IsCompleted;

    /// <summary>How many times the informer listed (the first list plus re-lists after 410 Gone or errors).</summary>
    public int Lists { get; private set; }

    /// <summary>The resourceVersion of the last event, bookmark or list seen.</summary>
    public string? ResourceVersion { get; private set; }

    /// <summary>Completes when the first list is in the cache.</summary>
    public Task WaitForSyncAsync(CancellationToken ct) => synced.Task.WaitAsync(ct);

    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await ListAsync(ct);
                failures = 0;
                await WatchUntilGoneAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or KubernetesException)
            {
                logger.LogWarning(e, "listing {Kind} failed; listing again", typeof(T).Name);
                await Task.Delay(options.ErrorBackoff.Delay(failures++), options.Clock, ct);
            }
        }
    }

    private async Task ListAsync(CancellationToken ct)
    {
        var (items, resourceVersion) = await api.ListAsync(ct);
        Lists++;
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            listed.Add(ObjectKey.Of(item));
            Apply(WatchEventType.Modified, item);
        }

        foreach (var key in Cache.Keys().Where(k => !listed.Contains(k)))
        {
            if (Cache.Remove(key) is { } gone)
            {
                Changed?.Invoke(new CacheChange<T>(WatchEventType.Deleted, gone, gone));
            }
        }

        ResourceVersion = resourceVersion;
        synced.TrySetResult();
    }

    /// <summary>Watches (resuming after each server timeout or dropped stream) until the server says 410 Gone.</summary>
    private async Task WatchUntilGoneAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            var gone = false;
            var timeout = options.WatchTimeoutSeconds + Random.Shared.Next(0, Math.Max(1, options.WatchTimeoutSeconds / 4));
            try
            {
                await foreach (var (type, obj) in api.WatchAsync(ResourceVersion!, timeout, e => gone |= IsGone(e), ct))
                {
                    if (type != WatchEventType.Error)
                    {
                        Apply(type, obj);
                    }

                    ResourceVersion = obj.Metadata.ResourceVersion ?? ResourceVersion;
                    failures = 0;
                }
            }
            catch (Exception e) when (IsGone(e))
            {
                gone = true;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or KubernetesException)
            {
                logger.LogDebug(e, "watch of {Kind} broke; resuming from {ResourceVersion}", typeof(T).Name, ResourceVersion);
                await Task.Delay(options.ErrorBackoff.Delay(failures++), options.Clock, ct);
            }

            if (gone)
            {
                logger.LogInformation("watch of {Kind} from {ResourceVersion}: 410 Gone; listing again", typeof(T).Name, ResourceVersion);
                return;
            }
        }
    }

    private void Apply(WatchEventType type, T obj)
    {
        switch (type)
        {
            case WatchEventType.Added or WatchEventType.Modified:
                if (Cache.Upsert(obj, out var previous))
                {
                    Changed?.Invoke(new CacheChange<T>(previous is null ? WatchEventType.Added : WatchEventType.Modified, obj, previous));
                }

                break;
            case WatchEventType.Deleted:
                if (Cache.Remove(ObjectKey.Of(obj)) is { } removed)
                {
                    Changed?.Invoke(new CacheChange<T>(WatchEventType.Deleted, obj, removed));
                }

                break;
            default:
                break; // bookmarks only move the resourceVersion
        }
    }

    private static bool IsGone(Exception e) => e switch
    {
        KubernetesException k => k.Status?.Code == (int)HttpStatusCode.Gone,
        HttpOperationException h => h.Response?.StatusCode == HttpStatusCode.Gone,
        _ => false,
    };
}

/// <summary>Informer tuning: server-side watch timeout (jittered up by a quarter) and the backoff after errors.</summary>
public sealed record InformerOptions
{
    public int WatchTimeoutSeconds { get; init; } = 300;

    public ExponentialBackoff ErrorBackoff { get; init; } = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
