using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NumaOperator.Api.Serialization;
using NumaOperator.ApiServer.Admission;
using NumaOperator.ApiServer.Faults;
using NumaOperator.ApiServer.Http;
using NumaOperator.ApiServer.Http.Authentication;
using NumaOperator.ApiServer.Http.Decoding;
using NumaOperator.ApiServer.Http.FlowControl;
using NumaOperator.ApiServer.Http.Handlers;
using NumaOperator.ApiServer.Resources;
using NumaOperator.ApiServer.State;
using NumaOperator.ApiServer.Storage;

namespace NumaOperator.ApiServer;

/// <summary>
/// A Kubernetes-compatible API server in this process (Kestrel, HTTPS on loopback, bearer tokens), serving our CRDs
/// and the built-in resources the operator uses, stored in SQLite or in memory. Two identities: the kubeconfig token
/// (every outside client, under flow control) and a loopback token for this process's own clients (exempt).
/// <code>await using var server = await EmbeddedApiServer.StartAsync(new ApiServerOptions());</code>
/// </summary>
public sealed class EmbeddedApiServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ObjectStore store;
    private readonly ServerCertificates certificates;
    private readonly string loopbackToken;
    private bool stopped;

    private EmbeddedApiServer(WebApplication app, ObjectStore store, ServerCertificates certificates, RequestScope scope, ResourceRegistry registry, (string Kubeconfig, string Loopback) tokens, Uri baseAddress)
    {
        this.app = app;
        this.store = store;
        this.certificates = certificates;
        Resources = registry;
        Faults = scope.Faults;
        FlowControl = scope.Flow;
        Token = tokens.Kubeconfig;
        loopbackToken = tokens.Loopback;
        BaseAddress = baseAddress;
    }

    /// <summary>https://127.0.0.1:PORT/</summary>
    public Uri BaseAddress { get; }

    /// <summary>The kubeconfig token (<see cref="ClientIdentity.Kubeconfig"/>).</summary>
    public string Token { get; }

    /// <summary>Seats, queues and watch slots of the kubeconfig identity, with what they turned away.</summary>
    public FlowController FlowControl { get; }

    /// <summary>PEM of the CA that signed the serving certificate (certificate-authority-data of the kubeconfig).</summary>
    public string CertificateAuthorityPem => certificates.AuthorityPem;

    public FaultInjector Faults { get; }

    public ResourceRegistry Resources { get; }

    /// <summary>The current (highest) resourceVersion.</summary>
    public long ResourceVersion => store.ResourceVersion;

    public static async Task<EmbeddedApiServer> StartAsync(ApiServerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Admission decodes NumaVirtualMachines through KubernetesJson: with the precompiled metadata where it is still
        // possible to add it (a process that used KubernetesJson before keeps the reflection path; both read the same).
        V1Alpha1Json.UseForKubernetesClient();
        if (!IPAddress.TryParse(options.ListenAddress, out var address))
        {
            throw new ArgumentException($"ListenAddress \"{options.ListenAddress}\" is not an IP address (e.g. 127.0.0.1)", nameof(options));
        }

        if ((options.Limits.Invalid() ?? options.FlowControl.Invalid()) is { } invalid)
        {
            throw new ArgumentException($"{invalid}: must be a positive number", nameof(options));
        }

        if (options.DataDir is not null)
        {
            foreach (var warning in StateDirectory.Prepare(options.DataDir))
            {
                options.Log.LogWarning("{Warning}", warning);
            }
        }

        var crds = options.CustomResourceDefinitions ?? NumaOperatorCustomResources.Definitions();
        var registry = new ResourceRegistry([.. BuiltinResources.All, .. crds.SelectMany(CustomResourceKinds.FromDefinition)]);
        var tokens = (Kubeconfig: options.Token ?? LoadOrCreateToken(options.DataDir), Loopback: NewToken());
        IPersistence persistence = options.DataDir is null ? new NoPersistence() : new SqlitePersistence(options.DataDir, options.Durability);
        var store = new ObjectStore(persistence, options.WatchHistory);
        ServerCertificates? certificates = null;
        var flow = new FlowController(options.FlowControl);
        try
        {
            certificates = ServerCertificates.LoadOrCreate(options.DataDir, address);
            Seed(store, crds, options.Clock);
            var scope = new RequestScope(
                store,
                new ResourceOperations(store, options.Admission ?? new AdmissionChain(new CrdSchemaAdmission(), new NumaVirtualMachineAdmission(), new NumaVirtualMachineMigrationAdmission()), options.Clock),
                new TableConverter(options.Clock),
                new BodyDecoder(options.Limits),
                flow,
                new FaultInjector(),
                options.BookmarkInterval);
            var reviews = new AccessReviews(StaticTokenUsers.Of(tokens.Kubeconfig, tokens.Loopback, options.Users), options.Limits);
            var router = new ApiRouter(registry, new DiscoveryDocuments(registry), new OpenApiDocuments(registry, crds), new ResourceRoutes(scope), reviews);
            var handler = new ApiRequestHandler(new BearerTokenAuthenticator(tokens.Kubeconfig, tokens.Loopback), scope.Faults, router, flow);
            var app = BuildApp(address, options, certificates.Serving, handler);
            await app.StartAsync(ct);
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new EmbeddedApiServer(app, store, certificates, scope, registry, tokens, new Uri(bound.TrimEnd('/') + "/"));
        }
        catch
        {
            certificates?.Dispose();
            store.Dispose();
            flow.Dispose();
            throw;
        }
    }

    /// <summary>The kubeconfig YAML for this server (cluster, token user, context with namespace default).</summary>
    public string KubeconfigYaml(string ns = "default") => Kubeconfig.Render(BaseAddress, Token, CertificateAuthorityPem, ns);

    /// <summary>Writes the kubeconfig with mode 0600.</summary>
    public void WriteKubeconfig(string path, string ns = "default") => Kubeconfig.WriteSecret(path, KubeconfigYaml(ns));

    /// <summary>
    /// A KubernetesClient configuration for this server. By default the loopback identity, for clients in this process
    /// (standalone's controller and agent): exempt from flow control, its token never written anywhere.
    /// <see cref="ClientIdentity.Kubeconfig"/> acts as an outside client does.
    /// </summary>
    public KubernetesClientConfiguration ClientConfiguration(ClientIdentity identity = ClientIdentity.Loopback) => new()
    {
        Host = BaseAddress.ToString().TrimEnd('/'),
        AccessToken = identity == ClientIdentity.Loopback ? loopbackToken : Token,
        SslCaCerts = [X509CertificateLoader.LoadCertificate(certificates.Authority.RawData)],
    };

    /// <summary>Closes every open watch stream now (fault injection); returns how many were open.</summary>
    public int DropWatches() => store.CloseAllWatches();

    public async Task StopAsync(CancellationToken ct = default)
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        store.CloseAllWatches();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        await app.StopAsync(timeout.Token);
        await app.DisposeAsync();
        store.Dispose();
        certificates.Dispose();
        FlowControl.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static void Seed(ObjectStore store, IReadOnlyList<k8s.Models.V1CustomResourceDefinition> crds, TimeProvider clock)
    {
        var now = clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            if (store.Get(BuiltinResources.Namespaces.StorageKey, string.Empty, ns) is null)
            {
                store.Put(BuiltinResources.Namespaces.StorageKey, string.Empty, ns, new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Namespace",
                    ["metadata"] = new JsonObject { ["name"] = ns, ["uid"] = Guid.NewGuid().ToString(), ["creationTimestamp"] = now },
                    ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
                    ["status"] = new JsonObject { ["phase"] = "Active" },
                }, ChangeType.Added);
            }
        }

        foreach (var crd in crds)
        {
            var json = JsonNode.Parse(KubernetesJson.Serialize(crd))!.AsObject();
            var name = crd.Metadata.Name;
            var existing = store.Get(BuiltinResources.CustomResourceDefinitions.StorageKey, string.Empty, name);
            if (existing is not null && JsonNode.DeepEquals(JsonNode.Parse(existing.Json)!["spec"], json["spec"]))
            {
                continue;
            }

            var metadata = json["metadata"]!.AsObject();
            metadata["uid"] = existing is null ? Guid.NewGuid().ToString() : JsonNode.Parse(existing.Json)!["metadata"]!["uid"]!.ToString();
            metadata["creationTimestamp"] = now;
            metadata["generation"] = 1;
            store.Put(BuiltinResources.CustomResourceDefinitions.StorageKey, string.Empty, name, json, existing is null ? ChangeType.Added : ChangeType.Modified);
        }
    }

    private static WebApplication BuildApp(IPAddress address, ApiServerOptions options, X509Certificate2 serving, ApiRequestHandler handler)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // The request body limit, enforced again here so that Kestrel never drains the rest of an oversized body.
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxRequestBodyBytes;
            kestrel.Listen(address, options.Port, listen => listen.UseHttps(serving));
        });
        var app = builder.Build();
        app.Run(handler.HandleAsync);
        return app;
    }

    private static string NewToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();

    private static string LoadOrCreateToken(string? dataDir)
    {
        var fresh = NewToken();
        if (dataDir is null)
        {
            return fresh;
        }

        var path = Path.Combine(dataDir, "token");
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: >= 16 } kept)
        {
            return kept;
        }

        Kubeconfig.WriteSecret(path, fresh);
        return fresh;
    }
}
