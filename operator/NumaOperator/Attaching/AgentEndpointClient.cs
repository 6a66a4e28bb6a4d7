using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using NumaOperator.Agent.SerialConsole;
using NumaOperator.Cli.Explaining;

namespace NumaOperator.Cli.Attaching;

/// <summary>
/// Talks to a node agent's console endpoint over HTTPS, trusting only the CA the agent published in its
/// NumaNodeTopology (the server name is not checked: the CA is the agent's own, its key never leaves the node).
/// </summary>
public static class AgentEndpointClient
{
    public static Uri UrlOf(AgentConsoleAddress address, ConsoleRoute route, string scheme, string? query = null) =>
        new UriBuilder(address.BaseUrl) { Scheme = scheme, Path = route.Path, Query = query ?? string.Empty }.Uri;

    public static bool Trusts(X509Certificate2 authority, X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    /// <summary>The serial log (all of it, or its last <paramref name="tailLines"/> lines) as the agent keeps it.</summary>
    public static async Task<string> ReadLogAsync(AgentConsoleAddress address, VmReference vm, int? tailLines, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => Trusts(address.Authority, c) } };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        var route = new ConsoleRoute(vm.Namespace, vm.Name, ConsoleSubresource.Log);
        using var request = new HttpRequestMessage(HttpMethod.Get, UrlOf(address, route, Uri.UriSchemeHttps, tailLines is { } n ? $"tailLines={n}" : null));
        request.Headers.Authorization = new("Bearer", address.BearerToken);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(address, e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            return response.IsSuccessStatusCode ? body : throw Refused(address, "serial log", response.StatusCode, StatusMessage(body));
        }
    }

    /// <summary>A websocket to the VM's serial console; the agent's refusal (401, 403, 404, 409) becomes the exception's message.</summary>
    public static async Task<ClientWebSocket> ConnectConsoleAsync(AgentConsoleAddress address, VmReference vm, CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + address.BearerToken);
        socket.Options.RemoteCertificateValidationCallback = (_, c, _, _) => Trusts(address.Authority, c);
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        try
        {
            await socket.ConnectAsync(UrlOf(address, new ConsoleRoute(vm.Namespace, vm.Name, ConsoleSubresource.Console), "wss"), ct);
            return socket;
        }
        catch (WebSocketException e)
        {
            var status = socket.HttpStatusCode;
            var message = socket.HttpResponseHeaders?.TryGetValue(ConsoleEndpoint.ErrorHeader, out var values) == true ? Uri.UnescapeDataString(values.First()) : null;
            socket.Dispose();
            throw status == 0 ? Unreachable(address, e) : Refused(address, "console", status, message ?? e.Message);
        }
    }

    private static AttachFailedException Refused(AgentConsoleAddress address, string what, HttpStatusCode status, string message) =>
        new($"the agent of node {address.NodeName} ({address.BaseUrl}) refused the {what}: {(int)status} {status}: {message}");

    private static AttachFailedException Unreachable(AgentConsoleAddress address, Exception e) =>
        new($"the agent of node {address.NodeName} is unreachable at {address.BaseUrl} (its NumaNodeTopology status.console.url): {e.Message}", e);

    private static string StatusMessage(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["message"]?.GetValue<string>() ?? body;
        }
        catch (System.Text.Json.JsonException)
        {
            return Placing.OneLineText.Of(body);
        }
    }
}
