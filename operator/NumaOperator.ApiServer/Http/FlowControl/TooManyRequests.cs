using Microsoft.AspNetCore.Http;

namespace NumaOperator.ApiServer.Http.FlowControl;

/// <summary>The 429 answers, as kube-apiserver writes them.</summary>
public static class TooManyRequests
{
    /// <summary>The Retry-After of kube-apiserver's in-flight and APF filters.</summary>
    public const int RetryAfterSeconds = 1;

    /// <summary>The message of kube-apiserver's tooManyRequests (server/filters/maxinflight.go).</summary>
    public const string Message = "Too many requests, please try again later.";

    /// <summary>
    /// What the in-flight and APF filters send: 429, Retry-After: 1 and a plain-text body (http.Error), not a Status;
    /// client-go turns it into a TooManyRequests error and retries after the delay.
    /// </summary>
    public static async Task WriteAsync(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers.XContentTypeOptions = "nosniff";
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync(Message + "\n", response.HttpContext.RequestAborted);
    }

    /// <summary>A watch past the per-client cap: a Status as apierrors.NewTooManyRequests builds it (Retry-After from its details).</summary>
    public static ApiStatusException WatchLimit(int limit) => new(
        StatusCodes.Status429TooManyRequests,
        "TooManyRequests",
        $"Too many requests: this client has {limit} watches open, the most allowed; close one or try again later",
        new System.Text.Json.Nodes.JsonObject { ["retryAfterSeconds"] = RetryAfterSeconds });
}
