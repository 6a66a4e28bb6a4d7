using System.Net;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Tests;

/// <summary>Requests go out as HTTP/1.1 exactly; watches keep the HTTP/2 that KubernetesClient asks for.</summary>
public sealed class RequestsOverHttp11Tests
{
    [Theory]
    [InlineData("https://api:6443/apis/numa.example.com/v1alpha1/namespaces/default/numavirtualmachines/vm-1/status", "PATCH")]
    [InlineData("https://api:6443/api/v1/namespaces/default/pods", "POST")]
    [InlineData("https://api:6443/api/v1/pods?limit=500&resourceVersion=0", "GET")]
    [InlineData("https://api:6443/api/v1/pods?fieldSelector=watch%3Dtrue", "GET")]
    public async Task A_request_that_is_not_a_watch_goes_out_as_http_1_1_exactly(string uri, string method)
    {
        var sent = await SendAsync(new HttpRequestMessage(new HttpMethod(method), uri) { Version = HttpVersion.Version20 });
        Assert.Equal(HttpVersion.Version11, sent.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionExact, sent.VersionPolicy);
    }

    [Theory]
    [InlineData("https://api:6443/api/v1/pods?allowWatchBookmarks=true&resourceVersion=12&timeoutSeconds=300&watch=true")]
    [InlineData("https://api:6443/apis/numa.example.com/v1alpha1/numavirtualmachines?watch=1")]
    public async Task A_watch_keeps_the_version_it_asked_for(string uri)
    {
        var sent = await SendAsync(new HttpRequestMessage(HttpMethod.Get, uri) { Version = HttpVersion.Version20 });
        Assert.Equal(HttpVersion.Version20, sent.Version);
        Assert.Equal(HttpVersionPolicy.RequestVersionOrLower, sent.VersionPolicy);
    }

    private static async Task<HttpRequestMessage> SendAsync(HttpRequestMessage request)
    {
        var inner = new Capturing();
        using var handler = new RequestsOverHttp11 { InnerHandler = inner };
        using var invoker = new HttpMessageInvoker(handler);
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        return inner.Sent!;
    }

    private sealed class Capturing : HttpMessageHandler
    {
        public HttpRequestMessage? Sent { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Sent = request;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
