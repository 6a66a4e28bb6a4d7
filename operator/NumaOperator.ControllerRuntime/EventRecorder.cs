using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// Records core/v1 Events about objects. A repeat of the same (object, type, reason, message) patches the existing
/// Event's count and lastTimestamp instead of creating another, as kubectl describe expects. Failures to record are
/// logged, never thrown: an Event is a hint, not state.
/// </summary>
public sealed class EventRecorder(IKubernetes client, string component, TimeProvider? clock = null, ILogger? logger = null)
{
    /// <summary>Distinct events remembered for aggregation; beyond this the memory starts over.</summary>
    public const int MaxRemembered = 4096;

    private readonly ConcurrentDictionary<(string Uid, string Type, string Reason, string Message), Recorded> recorded = new();
    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly ILogger log = logger ?? NullLogger.Instance;

    public Task NormalAsync(IKubernetesObject<V1ObjectMeta> about, string reason, string message, CancellationToken ct) =>
        RecordAsync(about, "Normal", reason, message, ct);

    public Task WarningAsync(IKubernetesObject<V1ObjectMeta> about, string reason, string message, CancellationToken ct) =>
        RecordAsync(about, "Warning", reason, message, ct);

    public async Task RecordAsync(IKubernetesObject<V1ObjectMeta> about, string type, string reason, string message, CancellationToken ct)
    {
        var ns = about.Metadata.NamespaceProperty ?? "default";
        var now = time.GetUtcNow().UtcDateTime;
        var key = (about.Metadata.Uid ?? about.Metadata.Name, type, reason, message);
        try
        {
            if (recorded.TryGetValue(key, out var previous))
            {
                var count = previous.Count + 1;
                var patch = $$"""{"count":{{count}},"lastTimestamp":"{{now:yyyy-MM-ddTHH:mm:ssZ}}"}""";
                await client.CoreV1.PatchNamespacedEventAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), previous.Name, ns, cancellationToken: ct);
                recorded[key] = previous with { Count = count };
                return;
            }

            if (recorded.Count >= MaxRemembered)
            {
                recorded.Clear();
            }

            var name = $"{about.Metadata.Name}.{Guid.NewGuid():N}"[..Math.Min(253, about.Metadata.Name.Length + 17)];
            await client.CoreV1.CreateNamespacedEventAsync(
                new Corev1Event
                {
                    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                    InvolvedObject = new V1ObjectReference
                    {
                        ApiVersion = about.ApiVersion,
                        Kind = about.Kind,
                        Name = about.Metadata.Name,
                        NamespaceProperty = ns,
                        Uid = about.Metadata.Uid,
                        ResourceVersion = about.Metadata.ResourceVersion,
                    },
                    Type = type,
                    Reason = reason,
                    Message = message,
                    Count = 1,
                    FirstTimestamp = now,
                    LastTimestamp = now,
                    Source = new V1EventSource { Component = component },
                    ReportingComponent = component,
                },
                ns,
                cancellationToken: ct);
            recorded[key] = new Recorded(name, 1);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            recorded.TryRemove(key, out _); // the aggregated Event expired or was deleted; the next repeat creates a new one
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            log.LogWarning(e, "could not record event {Reason} on {Name}", reason, about.Metadata.Name);
        }
    }

    private sealed record Recorded(string Name, int Count);
}
