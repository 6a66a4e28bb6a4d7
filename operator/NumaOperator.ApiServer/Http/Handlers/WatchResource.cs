using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using NumaOperator.ApiServer.Http.Decoding;
using NumaOperator.ApiServer.Http.FlowControl;
using NumaOperator.ApiServer.Json;
using NumaOperator.ApiServer.Storage;

namespace NumaOperator.ApiServer.Http.Handlers;

/// <summary>
/// GET ?watch=true of a collection (kube-apiserver endpoints/handlers/watch.go): one flushed JSON line per event,
/// resumed from a resourceVersion or starting with the current objects as ADDED, BOOKMARKs when asked for, ended
/// after timeoutSeconds; 410 Expired as an ERROR event when the version is older than the history. Long-running: it
/// gives its read-only seat back once subscribed and holds a watch slot of its client instead.
/// </summary>
public static class WatchResource
{
    public static async Task HandleAsync(RequestScope scope, ResourceRequest request, IDisposable seat)
    {
        var query = request.Request.Query;
        var stream = new WatchStream(
            scope,
            request,
            QueryOptions.IsTrue(query["allowWatchBookmarks"]),
            QueryOptions.WantsTable(request.Request),
            QueryOptions.IncludeObject(request.Request));
        var since = QueryOptions.WatchStartOf(query);
        var timeout = QueryOptions.WatchTimeoutOf(query);
        var selectors = QueryOptions.SelectorsOf(query, scope.Limits);
        using var slot = scope.Flow.OpenWatch(request.Identity) ?? throw TooManyRequests.WatchLimit(scope.Flow.Watches.MaxPerClient);
        var response = request.Context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        WatchSubscription subscription;
        try
        {
            subscription = scope.Store.Watch(request.Kind.StorageKey, request.Target.Namespace, since, selectors.Matches);
        }
        catch (ResourceVersionTooOldException e)
        {
            await WriteEventAsync(response, "ERROR", JsonOutput.Utf8(ApiStatusException.Gone(e.Message).ToStatus()), request.Aborted);
            return;
        }
        finally
        {
            seat.Dispose();
        }

        using (subscription)
        using (var lifetime = CancellationTokenSource.CreateLinkedTokenSource(request.Aborted))
        {
            lifetime.CancelAfter(timeout);
            // Headers go out now, as the real server flushes them before the first event: a client waiting for the
            // response of a watch on an empty collection must not wait for the first change.
            await response.StartAsync(lifetime.Token);
            await response.Body.FlushAsync(lifetime.Token);
            if (scope.Faults.ShouldDropWatch())
            {
                return;
            }

            try
            {
                await stream.RunAsync(subscription, lifetime.Token);
            }
            catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
            {
                // timeoutSeconds passed or the client left: end the stream cleanly.
            }
        }
    }

    internal static async Task WriteEventAsync(HttpResponse response, string type, byte[] objectJson, CancellationToken ct)
    {
        var head = Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":");
        var line = new byte[head.Length + objectJson.Length + 2];
        head.CopyTo(line, 0);
        objectJson.CopyTo(line, head.Length);
        line[^2] = (byte)'}';
        line[^1] = (byte)'\n';
        await response.Body.WriteAsync(line, ct);
        await response.Body.FlushAsync(ct);
    }

    /// <summary>One open stream: sends queued events (as Tables when asked), and a BOOKMARK whenever it has been quiet for the interval.</summary>
    private sealed class WatchStream(RequestScope scope, ResourceRequest request, bool bookmarks, bool asTable, bool includeObject)
    {
        private bool sentColumns;

        public async Task RunAsync(WatchSubscription subscription, CancellationToken lifetime)
        {
            var bookmarkDue = bookmarks;
            while (true)
            {
                while (subscription.Events.TryRead(out var change))
                {
                    await WriteEventAsync(request.Context.Response, change.TypeName, Encode(change), lifetime);
                }

                if (bookmarkDue && scope.Store.Atomically(() => subscription.Events.TryPeek(out _) ? (long?)null : scope.Store.ResourceVersion) is { } version)
                {
                    await WriteEventAsync(request.Context.Response, "BOOKMARK", JsonOutput.Utf8(Bookmark(version)), lifetime);
                    bookmarkDue = false;
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
                if (bookmarks)
                {
                    wait.CancelAfter(scope.BookmarkInterval);
                }

                try
                {
                    if (!await subscription.Events.WaitToReadAsync(wait.Token))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (!lifetime.IsCancellationRequested)
                {
                    bookmarkDue = true;
                }
            }
        }

        private byte[] Encode(StoredEvent change)
        {
            if (!asTable)
            {
                return change.Stored.Json;
            }

            var table = scope.Tables.Convert(request.Kind, [ResourceOperations.Parse(change.Stored)], change.Stored.ResourceVersion.ToString(CultureInfo.InvariantCulture), includeObject, !sentColumns);
            sentColumns = true;
            return JsonOutput.Utf8(table);
        }

        private JsonObject Bookmark(long version) => new()
        {
            ["kind"] = asTable ? "Table" : request.Kind.Kind,
            ["apiVersion"] = asTable ? "meta.k8s.io/v1" : request.Kind.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture), ["creationTimestamp"] = null },
        };
    }
}
