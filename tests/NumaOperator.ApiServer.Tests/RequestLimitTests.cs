using System.Net;
using System.Text;
using NumaOperator.ApiServer.Http.Decoding;

namespace NumaOperator.ApiServer.Tests;

/// <summary>What one request may carry: the real server's 3 MiB body limit (413), JSON patch limits, selector length.</summary>
public sealed class RequestLimitTests
{
    private const long Limit = RequestLimits.DefaultMaxRequestBodyBytes;

    [Fact]
    public async Task Oversized_body_is_answered_413_with_the_real_servers_status_and_nothing_is_stored()
    {
        await using var server = await TestServer.StartAsync();
        using var api = new RawApi(server);
        var before = server.ResourceVersion;

        // 20 MB, as in the issue: a Lease padded with whitespace, so that only its size is wrong. With
        // "Expect: 100-continue" the client sends the body only if the server asks for it: the 413 comes instead, so
        // the server decided from Content-Length and read none of it.
        using var response = await PostExpectingContinueAsync(api, RawApi.Lease("huge", padding: 20_000_000));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var status = await RawApi.JsonOf(response);
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Failure", status["status"]!.GetValue<string>());
        Assert.Equal("RequestEntityTooLarge", status["reason"]!.GetValue<string>());
        Assert.Equal(413, status["code"]!.GetValue<int>());
        Assert.Equal("Request entity too large: limit is 3145728", status["message"]!.GetValue<string>());
        Assert.Equal(before, server.ResourceVersion);
        using var get = await api.GetAsync(RawApi.Leases + "/huge");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task A_chunked_body_without_a_length_is_cut_off_at_the_limit_with_413()
    {
        await using var server = await TestServer.StartAsync();
        using var api = new RawApi(server);
        // Just over the limit, so the client has written it all when the 413 comes back.
        using var response = await PostChunkedAsync(api, RawApi.Lease("chunked", padding: (int)Limit + 1000));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("RequestEntityTooLarge", (await RawApi.JsonOf(response))["reason"]!.GetValue<string>());
        using var get = await api.GetAsync(RawApi.Leases + "/chunked");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task A_chunked_body_of_several_reads_within_the_limit_is_stored_whole()
    {
        await using var server = await TestServer.StartAsync();
        using var api = new RawApi(server);
        // No Content-Length to size the buffer by, and several 64 KiB reads: the body is put together as it comes.
        using var response = await PostChunkedAsync(api, RawApi.Lease("pieces", padding: 300_000));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var get = await api.GetAsync(RawApi.Leases + "/pieces");
        Assert.Equal("pieces", (await RawApi.JsonOf(get))["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_body_of_exactly_the_limit_is_read_and_one_byte_more_is_not()
    {
        await using var server = await TestServer.StartAsync();
        using var api = new RawApi(server);
        var exact = RawApi.Lease("exact");
        exact += new string(' ', (int)Limit - Encoding.UTF8.GetByteCount(exact));
        var over = RawApi.Lease("over");
        over += new string(' ', (int)Limit + 1 - Encoding.UTF8.GetByteCount(over));

        using var accepted = await PostExpectingContinueAsync(api, exact);
        using var refused = await PostExpectingContinueAsync(api, over);

        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
    }

    [Fact]
    public async Task A_json_patch_of_more_than_ten_thousand_operations_is_413_and_changes_nothing()
    {
        await using var server = await TestServer.StartAsync();
        using var api = new RawApi(server);
        using var created = await api.PostJsonAsync(RawApi.Leases, RawApi.Lease("patched"));
        var version = server.ResourceVersion;
        var operations = string.Join(',', Enumerable.Repeat("""{"op":"replace","path":"/spec/holderIdentity","value":"x"}""", 10_001));

        using var response = await api.PatchAsync(RawApi.Leases + "/patched", "[" + operations + "]", "application/json-patch+json");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001", (await RawApi.JsonOf(response))["message"]!.GetValue<string>());
        Assert.Equal(version, server.ResourceVersion);
    }

    [Fact]
    public async Task Json_patch_copies_that_would_grow_the_object_past_the_copy_limit_are_422_and_change_nothing()
    {
        await using var server = await TestServer.StartAsync();
        using var api = new RawApi(server);
        using var created = await api.PostJsonAsync(RawApi.Leases, RawApi.Lease("copied", holder: new string('a', 1000)));
        var version = server.ResourceVersion;

        // Each copy doubles the annotations; 13 of them would add about 8 MB to a 1 KB object.
        var doubling = Enumerable.Range(0, 13).Select(i => $$"""{"op":"copy","from":"/metadata/annotations","path":"/metadata/annotations/k{{i}}"}""");
        var patch = """[{"op":"add","path":"/metadata/annotations","value":{"seed":"{{HOLDER}}"}},""".Replace("{{HOLDER}}", new string('b', 1000), StringComparison.Ordinal)
            + string.Join(',', doubling) + "]";
        using var response = await api.PatchAsync(RawApi.Leases + "/copied", patch, "application/json-patch+json");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("Unable to complete the copy, the accumulated size increase of copy is", (await RawApi.JsonOf(response))["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(version, server.ResourceVersion);
    }

    [Fact]
    public async Task A_body_nested_100000_levels_deep_is_400_and_stores_nothing()
    {
        await using var server = await TestServer.StartAsync();
        using var api = new RawApi(server);
        var before = server.ResourceVersion;

        using var response = await api.PostJsonAsync(RawApi.Leases, new string('[', 100_000) + new string(']', 100_000));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("maximum configured depth of 64", (await RawApi.JsonOf(response))["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, server.ResourceVersion);
    }

    private static Task<HttpResponseMessage> PostExpectingContinueAsync(RawApi api, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, RawApi.Leases) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        return api.SendAsync(request);
    }

    [Theory]
    [InlineData("labelSelector")]
    [InlineData("fieldSelector")]
    public async Task A_selector_longer_than_the_limit_is_400_naming_the_parameter(string parameter)
    {
        await using var server = await TestServer.StartAsync();
        using var api = new RawApi(server);
        // Long but within Kestrel's 8 KiB request line, so the server's own limit answers.
        var selector = (parameter == "labelSelector" ? "app=" : "metadata.name=") + new string('n', 4100);

        using var response = await api.GetAsync($"{RawApi.Leases}?{parameter}={Uri.EscapeDataString(selector)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith($"{parameter}: Too long: may not be longer than 4096 characters", (await RawApi.JsonOf(response))["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>POSTs a body without a Content-Length (chunked transfer encoding).</summary>
    private static async Task<HttpResponseMessage> PostChunkedAsync(RawApi api, string body)
    {
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, RawApi.Leases) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        return await api.SendAsync(request);
    }
}
