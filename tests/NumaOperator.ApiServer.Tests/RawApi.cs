using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using NumaOperator.Tests.Shared;

namespace NumaOperator.ApiServer.Tests;

/// <summary>Plain HTTP requests to an embedded server as one identity, for what KubernetesClient cannot send or hides (sizes, headers, 429s).</summary>
internal sealed class RawApi : IDisposable
{
    private readonly HttpClient http;

    public RawApi(EmbeddedApiServer server, ClientIdentity identity = ClientIdentity.Kubeconfig)
    {
        var configuration = server.ClientConfiguration(identity);
        var authority = X509CertificateLoader.LoadCertificate(configuration.SslCaCerts[0].RawData);
        http = new HttpClient(PrivateCa.Handler(authority)) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", configuration.AccessToken);
    }

    public const string Leases = "apis/coordination.k8s.io/v1/namespaces/default/leases";

    public static string Lease(string name, string holder = "h", int padding = 0) =>
        $$$"""{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"{{{name}}}"},"spec":{"holderIdentity":"{{{holder}}}"}}""" + new string(' ', padding);

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, CancellationToken ct = default) =>
        http.SendAsync(request, completion, ct);

    public Task<HttpResponseMessage> GetAsync(string path, CancellationToken ct = default) => http.GetAsync(path, ct);

    public Task<HttpResponseMessage> PostAsync(string path, HttpContent content, CancellationToken ct = default) => http.PostAsync(path, content, ct);

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json) => http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public Task<HttpResponseMessage> PatchAsync(string path, string json, string contentType) =>
        http.PatchAsync(path, new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue(contentType)));

    public static async Task<JsonObject> JsonOf(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public void Dispose() => http.Dispose();
}

/// <summary>A request body that sends a first part, then waits until released: a request that holds its seat as long as a test wants.</summary>
internal sealed class HeldContent : HttpContent
{
    private readonly string first;
    private readonly string rest;
    private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HeldContent(string first, string rest)
    {
        this.first = first;
        this.rest = rest;
        Headers.ContentType = new MediaTypeHeaderValue("application/json");
    }

    /// <summary>Completes once the first part is on the wire.</summary>
    public Task Started => started.Task;

    public void Release() => release.TrySetResult();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(first));
        await stream.FlushAsync();
        started.TrySetResult();
        await release.Task;
        await stream.WriteAsync(Encoding.UTF8.GetBytes(rest));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
