using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NumaOperator.ApiServer;

namespace NumaOperator.Agent.SerialConsole;

/// <summary>
/// The agent's HTTPS endpoint for VM serial consoles (websocket) and serial logs (text), one per node, as the kubelet
/// serves exec: every request is authenticated and authorized by the API server (<see cref="ConsoleAccessReview"/>).
/// Its TLS identity is a private CA and serving certificate made by the agent (kept in STATE/console); the CA's PEM is
/// published in the node's NumaNodeTopology status.console, so clients trust it through the API server.
/// </summary>
public sealed class ConsoleEndpoint : IAsyncDisposable
{
    /// <summary>Header repeating an error's message, for websocket clients that see the status and headers only.</summary>
    public const string ErrorHeader = "X-Numa-Operator-Error";

    private readonly WebApplication app;
    private readonly ServerCertificates certificates;

    private ConsoleEndpoint(WebApplication app, ServerCertificates certificates, Uri baseAddress)
    {
        this.app = app;
        this.certificates = certificates;
        BaseAddress = baseAddress;
    }

    /// <summary>https://ADDRESS:PORT as bound (the real port when 0 was asked).</summary>
    public Uri BaseAddress { get; }

    public string CertificateAuthorityPem => certificates.AuthorityPem;

    public static async Task<ConsoleEndpoint> StartAsync(IPEndPoint listen, string certificateDirectory, ConsoleTargets targets, ConsoleAccessReview review, ILogger log, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(listen);
        Directory.CreateDirectory(certificateDirectory); // the key file in it is written 0600
        var certificates = ServerCertificates.LoadOrCreate(certificateDirectory, listen.Address);
        try
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Listen(listen, options => options.UseHttps(certificates.Serving));
            });
            var app = builder.Build();
            app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
            var handler = new Handler(targets, review, log);
            app.Run(handler.HandleAsync);
            await app.StartAsync(ct);
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new ConsoleEndpoint(app, certificates, new Uri(bound.TrimEnd('/')));
        }
        catch
        {
            certificates.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
        certificates.Dispose();
    }

    private sealed class Handler(ConsoleTargets targets, ConsoleAccessReview review, ILogger log)
    {
        /// <summary>The VMs with a client attached: QEMU's serial socket takes one client, so a second gets 409.</summary>
        private readonly ConcurrentDictionary<Guid, string> attached = new();

        public async Task HandleAsync(HttpContext http)
        {
            var ct = http.RequestAborted;
            if (ConsoleRoute.Parse(http.Request.Path.Value) is not { } route)
            {
                await FailAsync(http, HttpStatusCode.NotFound, $"no such path {http.Request.Path}: the agent serves {ConsoleRoute.Prefix}NAMESPACE/numavirtualmachines/NAME/console and .../log");
                return;
            }

            if (!HttpMethods.IsGet(http.Request.Method))
            {
                await FailAsync(http, HttpStatusCode.MethodNotAllowed, $"method {http.Request.Method} is not allowed: use GET");
                return;
            }

            var verdict = await review.ReviewAsync(http.Request.Headers.Authorization, route, ct);
            if (!verdict.Allowed)
            {
                log.LogInformation("refused {Subresource} of {Namespace}/{Name} to {User}: {Message}", route.SubresourceName, route.Namespace, route.Name, verdict.User ?? "(unauthenticated)", verdict.Message);
                await FailAsync(http, verdict.Status, verdict.Message);
                return;
            }

            var target = targets.Resolve(route);
            if (!target.Found)
            {
                await FailAsync(http, target.Status, target.Message);
                return;
            }

            if (route.Subresource == ConsoleSubresource.Log)
            {
                await ServeLogAsync(http, target, ct);
                return;
            }

            await AttachAsync(http, route, target, verdict.User!, ct);
        }

        private static async Task ServeLogAsync(HttpContext http, ConsoleTarget target, CancellationToken ct)
        {
            int? tail = null;
            if (http.Request.Query["tailLines"] is { Count: > 0 } values)
            {
                if (!int.TryParse(values[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
                {
                    await FailAsync(http, HttpStatusCode.BadRequest, $"tailLines \"{values[0]}\" is not a whole number >= 0");
                    return;
                }

                tail = n;
            }

            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync(SerialLogBound.Tail(target.State, tail), ct);
        }

        private async Task AttachAsync(HttpContext http, ConsoleRoute route, ConsoleTarget target, string user, CancellationToken ct)
        {
            if (!http.WebSockets.IsWebSocketRequest)
            {
                await FailAsync(http, HttpStatusCode.BadRequest, "the console is a websocket: send an Upgrade: websocket request (numa-operator console does)");
                return;
            }

            if (!attached.TryAdd(target.Uid, user))
            {
                await FailAsync(http, HttpStatusCode.Conflict, $"the console of NumaVirtualMachine {route.Namespace}/{route.Name} is in use by {attached.GetValueOrDefault(target.Uid)}; one client at a time");
                return;
            }

            try
            {
                using var serial = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await serial.ConnectAsync(new UnixDomainSocketEndPoint(target.State.ConsoleSocket), ct);
                }
                catch (SocketException e)
                {
                    await FailAsync(http, HttpStatusCode.Conflict, $"the serial console of NumaVirtualMachine {route.Namespace}/{route.Name} is not reachable ({target.State.ConsoleSocket}: {e.Message}); the VM may be stopping");
                    return;
                }

                using var client = await http.WebSockets.AcceptWebSocketAsync();
                log.LogInformation("{User} attached to the console of {Namespace}/{Name}", user, route.Namespace, route.Name);
                var end = await ConsoleSession.PumpAsync(client, serial, ct);
                log.LogInformation("{User} left the console of {Namespace}/{Name}: {End}", user, route.Namespace, route.Name, end);
            }
            finally
            {
                attached.TryRemove(target.Uid, out _);
            }
        }

        /// <summary>A Kubernetes Status object, as the API server answers, plus the message in <see cref="ErrorHeader"/>.</summary>
        private static async Task FailAsync(HttpContext http, HttpStatusCode status, string message)
        {
            http.Response.StatusCode = (int)status;
            http.Response.Headers[ErrorHeader] = Uri.EscapeDataString(message);
            http.Response.ContentType = "application/json";
            var body = new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["status"] = "Failure",
                ["message"] = message,
                ["reason"] = status.ToString(),
                ["code"] = (int)status,
            };
            await http.Response.WriteAsync(body.ToJsonString());
        }
    }
}
