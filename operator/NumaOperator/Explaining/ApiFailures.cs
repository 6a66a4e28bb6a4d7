using System.Net;
using k8s.Autorest;

namespace NumaOperator.Cli.Explaining;

/// <summary>
/// Runs the API calls of a command and turns what goes wrong into one readable exit-1 failure: the object is missing,
/// the server answered an error (its body, shortened), or it is unreachable or too slow.
/// </summary>
public static class ApiFailures
{
    /// <param name="server">The API server's address, named in every message.</param>
    /// <param name="notFound">The message when the server answers 404 (e.g. "NumaVirtualMachine "db1" not found in namespace "default"").</param>
    public static async Task<T> RunAsync<T>(string server, string notFound, Func<Task<T>> call, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return await call();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new ExplainFailedException($"{notFound} (server {server})", e);
        }
        catch (HttpOperationException e)
        {
            throw new ExplainFailedException($"API server {server} answered {(int)e.Response.StatusCode} {e.Response.StatusCode}{BodyOf(e)}", e);
        }
        catch (HttpRequestException e)
        {
            throw new ExplainFailedException($"cannot reach the API server {server}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new ExplainFailedException($"the API server {server} did not answer within {ClusterOptions.RequestTimeout.TotalSeconds:0} s", e);
        }
    }

    /// <summary>The NotFound message for a VM.</summary>
    public static string VmNotFound(VmReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return $"NumaVirtualMachine \"{reference.Name}\" not found in namespace \"{reference.Namespace}\"";
    }

    private static string BodyOf(HttpOperationException e) =>
        e.Response.Content is { Length: > 0 } content ? ": " + Placing.OneLineText.Of(content.Length > 300 ? content[..300] + "..." : content) : string.Empty;
}
