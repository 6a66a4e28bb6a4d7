using System.Net;
using System.Text;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// /healthz (the process serves requests) and /readyz (<paramref name="ready"/> says so: caches synced or standing by
/// as a follower) on a small HttpListener, e.g. prefix "http://+:8081/".
/// </summary>
public sealed class HealthEndpoint(string prefix, Func<bool> ready) : IDisposable
{
    private readonly HttpListener listener = new();

    public async Task RunAsync(CancellationToken ct)
    {
        listener.Prefixes.Add(prefix.EndsWith('/') ? prefix : prefix + "/");
        listener.Start();
        using var stop = ct.Register(listener.Stop);
        while (!ct.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException && ct.IsCancellationRequested)
            {
                return;
            }

            var (code, body) = context.Request.Url?.AbsolutePath switch
            {
                "/healthz" => (200, "ok"),
                "/readyz" => ready() ? (200, "ok") : (503, "not ready: caches not synced"),
                _ => (404, "not found: use /healthz or /readyz"),
            };
            context.Response.StatusCode = code;
            var bytes = Encoding.UTF8.GetBytes(body + "\n");
            await context.Response.OutputStream.WriteAsync(bytes, ct);
            context.Response.Close();
        }
    }

    public void Dispose() => ((IDisposable)listener).Dispose();
}
