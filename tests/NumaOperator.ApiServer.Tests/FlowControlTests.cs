using System.Net;
using NumaOperator.Tests.Shared;

namespace NumaOperator.ApiServer.Tests;

/// <summary>
/// Requests in flight (read-only and mutating seats, a FIFO queue, 429 with Retry-After as kube-apiserver answers)
/// and watches per client; the loopback identity of the in-process controller and agent is exempt.
/// </summary>
public sealed class FlowControlTests
{
    [Fact]
    public async Task A_write_past_the_mutating_seats_and_queue_is_429_with_retry_after_while_loopback_writes_go_on()
    {
        await using var server = await StartAsync(new FlowControlOptions { MaxMutatingRequestsInflight = 1, QueueLength = 0 });
        using var api = new RawApi(server);
        using var loopback = new RawApi(server, ClientIdentity.Loopback);
        var (held, holding) = await HoldTheMutatingSeatAsync(server, api, "held");

        using var refused = await api.PostJsonAsync(RawApi.Leases, RawApi.Lease("refused"));
        using var exempt = await loopback.PostJsonAsync(RawApi.Leases, RawApi.Lease("exempt"));
        using var read = await api.GetAsync(RawApi.Leases);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("1", refused.Headers.RetryAfter!.ToString());
        Assert.Equal("Too many requests, please try again later.\n", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Created, exempt.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode); // read-only seats are separate
        held.Release();
        using var completed = await holding;
        Assert.Equal(HttpStatusCode.Created, completed.StatusCode);
        Assert.Equal(1, server.FlowControl.Mutating.Rejected);
        using var gone = await api.GetAsync(RawApi.Leases + "/refused");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task A_queued_request_runs_once_a_seat_is_free()
    {
        await using var server = await StartAsync(new FlowControlOptions { MaxMutatingRequestsInflight = 1, QueueLength = 1, QueueWait = TimeSpan.FromSeconds(30) });
        using var api = new RawApi(server);
        var (held, holding) = await HoldTheMutatingSeatAsync(server, api, "first");

        var queued = api.PostJsonAsync(RawApi.Leases, RawApi.Lease("second"));
        await Eventually.HoldsAsync(() => server.FlowControl.Mutating.Waiting == 1, TimeSpan.FromSeconds(10), "the second write queued");
        using var overflow = await api.PostJsonAsync(RawApi.Leases, RawApi.Lease("third"));
        held.Release();

        Assert.Equal(HttpStatusCode.TooManyRequests, overflow.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await holding).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await queued).StatusCode);
    }

    [Fact]
    public async Task A_queued_request_that_waits_past_the_queue_wait_is_429()
    {
        await using var server = await StartAsync(new FlowControlOptions { MaxMutatingRequestsInflight = 1, QueueLength = 5, QueueWait = TimeSpan.FromMilliseconds(300) });
        using var api = new RawApi(server);
        var (held, holding) = await HoldTheMutatingSeatAsync(server, api, "slow");

        using var waited = await api.PostJsonAsync(RawApi.Leases, RawApi.Lease("waited"));

        Assert.Equal(HttpStatusCode.TooManyRequests, waited.StatusCode);
        held.Release();
        Assert.Equal(HttpStatusCode.Created, (await holding).StatusCode);
    }

    [Fact]
    public async Task Watches_past_the_per_client_cap_are_429_and_a_closed_watch_frees_its_slot()
    {
        await using var server = await StartAsync(new FlowControlOptions { MaxWatchesPerClient = 2 });
        using var api = new RawApi(server);
        using var loopback = new RawApi(server, ClientIdentity.Loopback);
        using var stopFirst = new CancellationTokenSource();
        using var first = await api.SendAsync(new HttpRequestMessage(HttpMethod.Get, RawApi.Leases + "?watch=true"), HttpCompletionOption.ResponseHeadersRead, stopFirst.Token);
        using var second = await api.SendAsync(new HttpRequestMessage(HttpMethod.Get, RawApi.Leases + "?watch=true"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        using var third = await api.GetAsync(RawApi.Leases + "?watch=true");
        using var exempt = await loopback.SendAsync(new HttpRequestMessage(HttpMethod.Get, RawApi.Leases + "?watch=true"), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("1", third.Headers.RetryAfter!.ToString());
        var status = await RawApi.JsonOf(third);
        Assert.Equal("TooManyRequests", status["reason"]!.GetValue<string>());
        Assert.Equal(1, status["details"]!["retryAfterSeconds"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.OK, exempt.StatusCode);

        await stopFirst.CancelAsync();
        first.Dispose();
        await Eventually.HoldsAsync(() => server.FlowControl.Watches.Open(ClientIdentity.Kubeconfig) == 1, TimeSpan.FromSeconds(10), "the closed watch gave its slot back");
        using var again = await api.SendAsync(new HttpRequestMessage(HttpMethod.Get, RawApi.Leases + "?watch=true"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task Kubeconfig_and_loopback_tokens_are_different_identities_and_others_get_401()
    {
        await using var server = await TestServer.StartAsync();
        Assert.NotEqual(server.ClientConfiguration(ClientIdentity.Loopback).AccessToken, server.ClientConfiguration(ClientIdentity.Kubeconfig).AccessToken);
        Assert.Equal(server.Token, server.ClientConfiguration(ClientIdentity.Kubeconfig).AccessToken);
        Assert.DoesNotContain(server.ClientConfiguration(ClientIdentity.Loopback).AccessToken, server.KubeconfigYaml(), StringComparison.Ordinal);
        using var api = new RawApi(server);
        using var response = await api.SendAsync(new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces") { Headers = { { "Authorization", "Bearer " + server.Token + "x" } } });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>Starts a create whose body stops halfway until released: it holds the one mutating seat meanwhile.</summary>
    private static async Task<(HeldContent Held, Task<HttpResponseMessage> Response)> HoldTheMutatingSeatAsync(EmbeddedApiServer server, RawApi api, string name)
    {
        var held = new HeldContent(RawApi.Lease(name)[..20], RawApi.Lease(name)[20..]);
        var holding = api.PostAsync(RawApi.Leases, held);
        await held.Started;
        await Eventually.HoldsAsync(() => server.FlowControl.Mutating.InUse == 1, TimeSpan.FromSeconds(10), $"the held create of {name} took the mutating seat");
        return (held, holding);
    }

    private static Task<EmbeddedApiServer> StartAsync(FlowControlOptions flow) =>
        EmbeddedApiServer.StartAsync(new ApiServerOptions { FlowControl = flow });
}
