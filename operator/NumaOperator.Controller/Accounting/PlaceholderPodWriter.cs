using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace NumaOperator.Controller.Accounting;

/// <summary>What the scheduling reconciler does with a VM's placeholder pod after writing the VM.</summary>
public abstract record PodAction
{
    private PodAction()
    {
    }

    /// <summary>
    /// Create the pod <paramref name="Build"/> makes (it does not exist yet). It is built only when applied: a burst puts
    /// most creates off, and building each pod anyway was about 4% of a cold burst's controller CPU.
    /// </summary>
    public sealed record Create(Func<V1Pod> Build) : PodAction;

    /// <summary>Delete the pod (the VM released its placement, or the pod no longer matches it).</summary>
    public sealed record Delete(string Namespace, string Name) : PodAction;
}

/// <summary>Creates and deletes placeholder pods; an existing pod on create and a missing one on delete are not errors (level-triggered).</summary>
public sealed class PlaceholderPodWriter(IKubernetes client, ILogger logger)
{
    /// <summary>Returns the created pod as the server stored it; null after a delete or when there was nothing to do.</summary>
    public async Task<V1Pod?> ApplyAsync(PodAction action, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            switch (action)
            {
                case PodAction.Create create:
                    var pod = create.Build();
                    var created = await client.CoreV1.CreateNamespacedPodAsync(pod, pod.Metadata.NamespaceProperty, cancellationToken: ct);
                    logger.LogInformation("placeholder pod {Namespace}/{Pod} created on {Node}", pod.Metadata.NamespaceProperty, pod.Metadata.Name, pod.Spec.NodeName);
                    return created;
                case PodAction.Delete delete:
                    await client.CoreV1.DeleteNamespacedPodAsync(delete.Name, delete.Namespace, gracePeriodSeconds: 0, cancellationToken: ct);
                    logger.LogInformation("placeholder pod {Namespace}/{Pod} deleted", delete.Namespace, delete.Name);
                    return null;
            }
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // Already there (its watch event queues the VM, which judges it) or already gone.
        }

        return null;
    }
}
