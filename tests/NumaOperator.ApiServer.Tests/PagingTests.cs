using System.Net;
using System.Text.Json.Nodes;
using k8s;
using NumaOperator.ApiServer.Http.Paging;
using NumaOperator.ApiServer.Storage;
using NumaOperator.Tests.Shared;

namespace NumaOperator.ApiServer.Tests;

/// <summary>List paging with limit and continue, as kubectl and client-go use it; consistent pages; expired tokens.</summary>
public sealed class PagingTests
{
    private static readonly string[] UnorderedNames = ["c", "a", "e", "b", "d"];

    [Fact]
    public async Task Limit_and_continue_walk_a_list_in_pages_that_stay_consistent_at_the_first_pages_version()
    {
        await using var server = await TestServer.StartAsync();
        using var api = new RawApi(server);
        for (var i = 0; i < 25; i++)
        {
            using var created = await api.PostJsonAsync(RawApi.Leases, RawApi.Lease($"l{i:D2}"));
        }

        var first = await ListAsync(api, "?limit=10");
        Assert.Equal(Names(0, 10), NamesOf(first));
        Assert.Equal(15, first["metadata"]!["remainingItemCount"]!.GetValue<long>());
        var version = first["metadata"]!["resourceVersion"]!.GetValue<string>();

        // Changes after the first page do not show in the later pages: one list, one resourceVersion.
        using (await api.SendAsync(new HttpRequestMessage(HttpMethod.Delete, RawApi.Leases + "/l15")))
        using (await api.PostJsonAsync(RawApi.Leases, RawApi.Lease("l99")))
        using (await api.PatchAsync(RawApi.Leases + "/l20", """{"spec":{"holderIdentity":"changed"}}""", "application/merge-patch+json"))
        {
        }

        var second = await ListAsync(api, "?limit=10&continue=" + first["metadata"]!["continue"]);
        var third = await ListAsync(api, "?limit=10&continue=" + second["metadata"]!["continue"]);

        Assert.Equal(Names(10, 10), NamesOf(second));
        Assert.Equal(Names(20, 5), NamesOf(third));
        Assert.Equal(version, second["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal("h", third["items"]!.AsArray().Single(i => i!["metadata"]!["name"]!.GetValue<string>() == "l20")!["spec"]!["holderIdentity"]!.GetValue<string>());
        Assert.Null(third["metadata"]!["continue"]);
        Assert.Null(third["metadata"]!["remainingItemCount"]);

        // A new list sees the changes.
        var now = NamesOf(await ListAsync(api, string.Empty));
        Assert.DoesNotContain("l15", now);
        Assert.Contains("l99", now);
    }

    [Fact]
    public async Task KubernetesClient_and_selectors_page_through_the_matches_only()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        for (var i = 0; i < 7; i++)
        {
            await vms.CreateNamespacedAsync(TestServer.Vm($"vm{i}", labels: new Dictionary<string, string> { ["tier"] = i % 2 == 0 ? "even" : "odd" }), "default");
        }

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonObject>(
                Api.V1Alpha1.ApiGroup.Group, Api.V1Alpha1.ApiGroup.Version, "default", Api.V1Alpha1.NumaVirtualMachine.Plural, labelSelector: "tier=even", limit: 2, continueParameter: token);
            seen.AddRange(NamesOf(page));
            Assert.Null(page["metadata"]!["remainingItemCount"]); // not counted under a selector, as the real server does
            token = page["metadata"]!["continue"]?.GetValue<string>();
        }
        while (token is not null);

        Assert.Equal(["vm0", "vm2", "vm4", "vm6"], seen);
    }

    [SkippableFact]
    public async Task Kubectl_get_with_a_small_chunk_size_lists_everything()
    {
        var binary = Kubectl.Find("1.32");
        Skip.If(binary is null, Kubectl.MissingReason("1.32"));
        await using var server = await TestServer.StartAsync();
        using var api = new RawApi(server);
        for (var i = 0; i < 7; i++)
        {
            using var created = await api.PostJsonAsync(RawApi.Leases, RawApi.Lease($"k{i}"));
        }

        var dir = TestServer.TempDir();
        try
        {
            server.WriteKubeconfig(Path.Combine(dir, "kubeconfig"));
            var kubectl = new Kubectl(binary!, Path.Combine(dir, "kubeconfig"), dir);
            var (exit, stdout, stderr) = await kubectl.RunAsync("get", "leases", "--chunk-size=2", "-o", "name", "-v=6");
            Assert.True(exit == 0, stderr);
            Assert.Equal(Enumerable.Range(0, 7).Select(i => $"lease.coordination.k8s.io/k{i}"), stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("limit=2", stderr, StringComparison.Ordinal);
            Assert.Contains("continue=", stderr, StringComparison.Ordinal);

            // The default output asks for Tables: the continue token rides in the Table's metadata.
            var (tableExit, table, tableErrors) = await kubectl.RunAsync("get", "leases", "--chunk-size=3");
            Assert.True(tableExit == 0, tableErrors);
            Assert.Equal(8, table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // header + 7 rows
            Assert.All(Enumerable.Range(0, 7), i => Assert.Contains($"k{i} ", table, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_continue_token_older_than_the_history_is_410_expired_with_a_token_that_continues_at_the_current_state()
    {
        await using var server = await TestServer.StartAsync(watchHistory: 5);
        using var api = new RawApi(server);
        for (var i = 0; i < 6; i++)
        {
            using var created = await api.PostJsonAsync(RawApi.Leases, RawApi.Lease($"e{i}"));
        }

        var first = await ListAsync(api, "?limit=3");
        for (var i = 0; i < 6; i++)
        {
            using var patched = await api.PatchAsync(RawApi.Leases + "/e0", $$$"""{"spec":{"holderIdentity":"w{{{i}}}"}}""", "application/merge-patch+json");
        }

        using var expired = await api.GetAsync(RawApi.Leases + "?limit=3&continue=" + first["metadata"]!["continue"]);

        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
        var status = await RawApi.JsonOf(expired);
        Assert.Equal("Expired", status["reason"]!.GetValue<string>());
        Assert.StartsWith("The provided continue parameter is too old to display a consistent list result.", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
        var inconsistent = status["metadata"]!["continue"]!.GetValue<string>();
        var rest = await ListAsync(api, "?limit=3&continue=" + inconsistent);
        Assert.Equal(["e3", "e4", "e5"], NamesOf(rest));
    }

    [Theory]
    [InlineData("?limit=2&continue=not-base64!", "invalid continue token: continue key is not valid")]
    [InlineData("?limit=2&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiIuLi8uLi9ldGMifQ", "invalid continue token: continue key is not valid: ../../etc")]
    [InlineData("?limit=-1", "limit: Invalid value: \"-1\": must be a non-negative integer")]
    [InlineData("?limit=2&continue=x&resourceVersion=5", "specifying resource version is not allowed when using continue")]
    public async Task Bad_paging_parameters_are_400_naming_what_is_wrong(string query, string message)
    {
        await using var server = await TestServer.StartAsync();
        using var api = new RawApi(server);
        using var response = await api.GetAsync(RawApi.Leases + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(message, (await RawApi.JsonOf(response))["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_continue_token_round_trips_and_starts_right_after_the_last_item()
    {
        var token = ContinueToken.Decode(ContinueToken.After(42, "default", "b"), namespaced: true);
        Assert.Equal(42, token.ResourceVersion);
        Assert.False(token.Includes("default", "b"));
        Assert.True(token.Includes("default", "b-"));
        Assert.True(token.Includes("other", "a"));
        Assert.False(token.Includes("abc", "z"));
        Assert.Throws<FormatException>(() => ContinueToken.Decode(ContinueToken.After(42, "default", "b"), namespaced: false));
    }

    [Fact]
    public void A_page_holds_at_most_limit_matches_in_key_order_and_counts_the_rest()
    {
        var objects = UnorderedNames.Select(n => new StoredObject("r", "ns", n, 1, [], new Dictionary<string, string>()));
        var page = ListPaging.Page(objects, "ns", o => o.Name != "d", o => string.CompareOrdinal(o.Name, "b") >= 0, 2, 7);
        Assert.Equal(["b", "c"], page.Items.Select(o => o.Name));
        Assert.True(page.HasMore);
        Assert.Equal(1, page.Remaining);
        Assert.Equal(7, page.ResourceVersion);
    }

    private static async Task<JsonObject> ListAsync(RawApi api, string query)
    {
        using var response = await api.GetAsync(RawApi.Leases + query);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await RawApi.JsonOf(response);
    }

    private static List<string> NamesOf(JsonObject list) => [.. list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>())];

    private static List<string> Names(int from, int count) => [.. Enumerable.Range(from, count).Select(i => $"l{i:D2}")];
}
