using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// Runs N workers that take keys from a <see cref="WorkQueue"/> and reconcile them: success forgets the key's
/// failures (and honours RequeueAfter), an exception re-adds it with its backoff. Each reconcile is a span and is
/// measured. Cancelling the token stops the workers at once; in-flight reconciles see the same token.
/// </summary>
public sealed class ReconcileLoop(string controller, WorkQueue queue, IReconciler reconciler, int workers = 1, TimeProvider? clock = null, ILogger? logger = null)
{
    private readonly TimeProvider time = clock ?? TimeProvider.System;
    private readonly ILogger log = logger ?? NullLogger.Instance;

    public async Task RunAsync(CancellationToken ct)
    {
        using var tracked = ReconcileTelemetry.TrackQueue(controller, queue);
        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, workers)).Select(_ => Task.Run(() => WorkAsync(ct), CancellationToken.None)));
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            string key;
            try
            {
                key = await queue.TakeAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await ProcessAsync(key, ct);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    private async Task ProcessAsync(string key, CancellationToken ct)
    {
        using var activity = ReconcileTelemetry.Source.StartActivity("reconcile " + controller);
        activity?.SetTag("controller", controller);
        activity?.SetTag("key", key);
        var started = time.GetTimestamp();
        string outcome;
        try
        {
            var result = await reconciler.ReconcileAsync(key, ct);
            queue.Forget(key);
            if (result.RequeueAfter is { } after)
            {
                queue.AddAfter(key, after);
                outcome = "requeue";
            }
            else
            {
                outcome = "success";
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            outcome = "cancelled";
        }
        catch (Exception e)
        {
            outcome = "error";
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            log.LogWarning("reconcile {Controller} {Key} failed (attempt {Attempt}): {Message}", controller, key, queue.Failures(key) + 1, e.Message);
            if (!ct.IsCancellationRequested)
            {
                queue.AddRateLimited(key);
            }
        }

        var tags = new KeyValuePair<string, object?>[] { new("controller", controller), new("outcome", outcome) };
        ReconcileTelemetry.ReconcileDuration.Record(time.GetElapsedTime(started).TotalSeconds, tags);
        ReconcileTelemetry.ReconcileResults.Add(1, tags);
        activity?.SetTag("outcome", outcome);
    }
}
