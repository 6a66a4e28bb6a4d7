using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// One noisy client: the kubeconfig identity looping LIST of every NumaVirtualMachine (and, in every fourth loop,
/// opening a watch) from many connections as fast as the server answers. Counts answers by status code.
/// </summary>
internal sealed class Flood : IAsyncDisposable
{
    private readonly HttpClient http;
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> loops;
    private long ok;
    private long tooMany;
    private long other;

    public Flood(EmbeddedApiServer server, int concurrency)
    {
        var configuration = server.ClientConfiguration(ClientIdentity.Kubeconfig);
        var authority = X509CertificateLoader.LoadCertificate(configuration.SslCaCerts[0].RawData);
        // HTTP/2, as client-go speaks it: one TLS connection carries every request (no burst of TLS handshakes on a
        // 2-core machine before the first request is even sent).
        var handler = PrivateCa.Handler(authority, concurrency);
        handler.EnableMultipleHttp2Connections = true;
        http = new HttpClient(handler)
        {
            BaseAddress = server.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrHigher,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", configuration.AccessToken);
        loops = [.. Enumerable.Range(0, concurrency).Select(i => Task.Run(() => LoopAsync(i % 4 == 3)))];
    }

    public long Ok => Interlocked.Read(ref ok);

    public long TooManyRequests => Interlocked.Read(ref tooMany);

    public long Other => Interlocked.Read(ref other);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(loops.Select(l => l.ContinueWith(_ => { }, TaskScheduler.Default)));
        http.Dispose();
        stop.Dispose();
    }

    private async Task LoopAsync(bool watches)
    {
        var path = $"apis/{ApiGroup.Group}/{ApiGroup.Version}/namespaces/default/{NumaVirtualMachine.Plural}" + (watches ? "?watch=true&timeoutSeconds=1" : string.Empty);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, stop.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref ok);
                }
                else if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.Increment(ref tooMany);
                }
                else
                {
                    Interlocked.Increment(ref other);
                }

                if (!watches)
                {
                    await response.Content.CopyToAsync(Stream.Null, stop.Token);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Anything else must not end the loop silently: it is counted and the flood goes on.
                Interlocked.Increment(ref other);
            }
        }
    }
}
