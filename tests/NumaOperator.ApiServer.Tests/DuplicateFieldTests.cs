using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer.Json;

namespace NumaOperator.ApiServer.Tests;

/// <summary>
/// Duplicate JSON keys in request bodies, as the real API server's strict decoder treats them: fieldValidation=Strict
/// is a 400 naming the field and writes nothing; Warn (and no parameter) keeps the last value with a Warning header;
/// Ignore keeps the last value silently. Raw HTTP, because every client library would drop the duplicates first.
/// </summary>
public sealed class DuplicateFieldTests
{
    private const string Collection = "/apis/numaoperator.io/v1alpha1/namespaces/default/numavirtualmachines";

    private static string VmJson(string name, string cpu) =>
        """{"apiVersion":"numaoperator.io/v1alpha1","kind":"NumaVirtualMachine","metadata":{"name":"NAME"},"spec":{"running":true,"cpu":CPU,"memory":{"size":"1Gi","hugepages":{"pageSize":"2Mi"}}}}"""
            .Replace("NAME", name, StringComparison.Ordinal).Replace("CPU", cpu, StringComparison.Ordinal);

    [Fact]
    public void Finds_repeated_keys_at_every_depth_once_per_path()
    {
        var json = """
            {"a":1,"b":{"c":{"d":1,"d":2,"d":3},"e":[{"f":1},{"f":1,"g":2,"f":3},[{"h":0,"h":1}]]},"a":{"x":1,"x":2}}
            """;

        var found = DuplicateKeys.Find(Encoding.UTF8.GetBytes(json));

        Assert.Equal(["b.c.d", "b.e[1].f", "b.e[2][0].h", "a", "a.x"], found);
    }

    [Theory]
    [InlineData("""{"spec":{"cpu":{"cores":1},"memory":{"cores":2}}}""")] // the same key in sibling objects
    [InlineData("""{"a":1,"A":2}""")] // keys are case-sensitive, as in the real server
    [InlineData("""[{"op":"add"},{"op":"remove"}]""")] // the same key in different array elements
    [InlineData("""{"s":"{\"k\":1,\"k\":2}"}""")] // keys inside a string value are text
    [InlineData("42")]
    [InlineData("")]
    public void Finds_nothing_without_repeated_keys(string json) =>
        Assert.Empty(DuplicateKeys.Find(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Escaped_and_plain_spellings_of_one_key_are_the_same_key() =>
        Assert.Equal(["ab"], DuplicateKeys.Find("""{"ab":1,"a\u0062":2}"""u8));

    [Fact]
    public void Top_level_array_elements_are_paths_by_index() =>
        Assert.Equal(["[1].op"], DuplicateKeys.Find("""[{"op":"add"},{"op":"add","path":"/x","op":"remove"}]"""u8));

    [Theory]
    [InlineData("""{"a":1,"a":2,""", new[] { "a" })] // cut off: what came before the error
    [InlineData("""{"a":1,}""", new string[0])]
    [InlineData("""{"a" 1}""", new string[0])]
    [InlineData("not json", new string[0])]
    public void Malformed_json_does_not_throw_the_parser_reports_it(string json, string[] expected) =>
        Assert.Equal(expected, DuplicateKeys.Find(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Parsing_keeps_the_last_value_of_a_repeated_key_at_every_depth()
    {
        var node = LastKeyWins.Parse("""{"a":1,"b":[{"c":1,"c":{"d":1,"d":2}}],"a":"last"}"""u8.ToArray())!;

        Assert.Equal("""{"a":"last","b":[{"c":{"d":2}}]}""", node.ToJsonString());
        Assert.Equal(2, node["b"]![0]!["c"]!["d"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("""{"a":1,""")]
    [InlineData("""{"a":1,}""")]
    [InlineData("")]
    [InlineData("[1 2]")]
    public void Parsing_malformed_json_fails_with_json_nodes_own_message(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var expected = Assert.ThrowsAny<JsonException>(() => JsonNode.Parse(bytes));
        var actual = Assert.ThrowsAny<JsonException>(() => LastKeyWins.Parse(bytes));
        Assert.Equal(expected.Message, actual.Message);
    }

    [Fact]
    public void Parsing_keeps_json_nodes_depth_limit()
    {
        var deep = Encoding.UTF8.GetBytes(new string('[', 65) + new string(']', 65));
        Assert.ThrowsAny<JsonException>(() => JsonNode.Parse(deep));
        Assert.ThrowsAny<JsonException>(() => LastKeyWins.Parse(deep));
        var ok = Encoding.UTF8.GetBytes(new string('[', 64) + new string(']', 64));
        Assert.NotNull(LastKeyWins.Parse(ok));
    }

    [Theory]
    [InlineData("duplicate field \"spec.cpu.cores\"", "299 - \"duplicate field \\\"spec.cpu.cores\\\"\"")]
    [InlineData("a\\b\nü", "299 - \"a\\\\b\\u000aü\"")]
    public void Warning_header_quotes_as_go(string text, string expected)
    {
        var header = WarningHeader.Format(text);
        Assert.Equal(expected.Replace("ü", "\\u00fc", StringComparison.Ordinal), header);
        Assert.All(header, c => Assert.InRange(c, ' ', '~'));
    }

    [Fact]
    public void Long_warnings_are_cut() =>
        Assert.Equal(WarningHeader.MaxTextLength + "299 - \"...\"".Length, WarningHeader.Format(new string('k', 10_000)).Length);

    [Fact]
    public async Task Strict_create_is_bad_request_naming_the_field_and_stores_nothing()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);

        using var response = await SendAsync(server, client, HttpMethod.Post, Collection + "?fieldValidation=Strict", VmJson("db1", """{"cores":1,"cores":64}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("BadRequest", status["reason"]!.ToString());
        Assert.Equal(
            "NumaVirtualMachine in version \"v1alpha1\" cannot be handled as a NumaVirtualMachine: strict decoding error: duplicate field \"spec.cpu.cores\"",
            status["message"]!.ToString());
        await AssertNotStoredAsync(client, "db1");
        Assert.Empty((await TestServer.Vms(client).ListNamespacedAsync<NumaVirtualMachineList>("default")).Items);
    }

    [Theory]
    [InlineData("?fieldValidation=Warn")]
    [InlineData("")] // the real server's default is Warn
    public async Task Warn_create_keeps_the_last_value_and_names_the_field_in_a_warning_header(string query)
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);

        using var response = await SendAsync(server, client, HttpMethod.Post, Collection + query, VmJson("db1", """{"cores":1,"dedicated":false,"cores":64}"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(["299 - \"duplicate field \\\"spec.cpu.cores\\\"\""], Warnings(response));
        var stored = await TestServer.Vms(client).ReadNamespacedAsync<NumaVirtualMachine>("default", "db1");
        Assert.Equal(64, stored.Spec.Cpu.Cores);
    }

    [Fact]
    public async Task Ignore_create_keeps_the_last_value_silently()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);

        using var response = await SendAsync(server, client, HttpMethod.Post, Collection + "?fieldValidation=Ignore", VmJson("db1", """{"cores":1,"cores":64}"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Empty(Warnings(response));
        Assert.Equal(64, (await TestServer.Vms(client).ReadNamespacedAsync<NumaVirtualMachine>("default", "db1")).Spec.Cpu.Cores);
    }

    [Fact]
    public async Task Nested_duplicates_and_duplicates_in_arrays_of_objects_are_each_named()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var body = """
            {"apiVersion":"numaoperator.io/v1alpha1","kind":"NumaVirtualMachine",
             "metadata":{"name":"db1","ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"a","uid":"u1"},{"apiVersion":"v1","kind":"Node","name":"b","uid":"u2","name":"c"}]},
             "spec":{"running":true,"cpu":{"cores":2},"memory":{"size":"1Gi","hugepages":{"pageSize":"2Mi","pageSize":"1Gi"}}}}
            """;

        using (var strict = await SendAsync(server, client, HttpMethod.Post, Collection + "?fieldValidation=Strict", body))
        {
            Assert.Equal(HttpStatusCode.BadRequest, strict.StatusCode);
            var message = JsonNode.Parse(await strict.Content.ReadAsStringAsync())!["message"]!.ToString();
            Assert.EndsWith(
                "strict decoding error: duplicate field \"metadata.ownerReferences[1].name\", duplicate field \"spec.memory.hugepages.pageSize\"",
                message,
                StringComparison.Ordinal);
            await AssertNotStoredAsync(client, "db1");
        }

        using var warn = await SendAsync(server, client, HttpMethod.Post, Collection, body);
        Assert.Equal(HttpStatusCode.Created, warn.StatusCode);
        Assert.Equal(
            ["299 - \"duplicate field \\\"metadata.ownerReferences[1].name\\\"\"", "299 - \"duplicate field \\\"spec.memory.hugepages.pageSize\\\"\""],
            Warnings(warn));
        var stored = await TestServer.Vms(client).ReadNamespacedAsync<NumaVirtualMachine>("default", "db1");
        Assert.Equal("1Gi", stored.Spec.Memory.Hugepages!.PageSize);
        Assert.Equal(["a", "c"], stored.Metadata.OwnerReferences.Select(o => o.Name));
    }

    [Fact]
    public async Task Strict_update_and_patches_with_duplicates_change_nothing()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        var created = await vms.CreateNamespacedAsync(TestServer.Vm("db1", cores: 2), "default");
        var item = Collection + "/db1?fieldValidation=Strict";

        var put = VmJson("db1", """{"cores":3,"cores":4}""").Replace("\"name\":\"db1\"", $"\"name\":\"db1\",\"resourceVersion\":\"{created.Metadata.ResourceVersion}\"", StringComparison.Ordinal);
        using (var response = await SendAsync(server, client, HttpMethod.Put, item, put))
        {
            await AssertBadRequestAsync(response, "NumaVirtualMachine in version \"v1alpha1\" cannot be handled as a NumaVirtualMachine: strict decoding error: duplicate field \"spec.cpu.cores\"");
        }

        using (var response = await SendAsync(server, client, HttpMethod.Patch, item, """{"spec":{"cpu":{"cores":3,"cores":4}}}""", "application/merge-patch+json"))
        {
            await AssertBadRequestAsync(response, "strict decoding error: duplicate field \"spec.cpu.cores\"");
        }

        using (var response = await SendAsync(server, client, HttpMethod.Patch, item, """[{"op":"replace","path":"/spec/cpu/cores","value":3,"value":4}]""", "application/json-patch+json"))
        {
            await AssertBadRequestAsync(response, "strict decoding error: json patch duplicate field \"[0].value\"");
        }

        var after = await vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "db1");
        Assert.Equal(created.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
        Assert.Equal(2, after.Spec.Cpu.Cores);
        Assert.Equal(1, after.Metadata.Generation);
    }

    [Fact]
    public async Task Warn_patches_apply_the_last_value_with_a_warning()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);
        var vms = TestServer.Vms(client);
        await vms.CreateNamespacedAsync(TestServer.Vm("db1", cores: 2), "default");
        var item = Collection + "/db1?fieldValidation=Warn";

        using (var response = await SendAsync(server, client, HttpMethod.Patch, item, """{"spec":{"cpu":{"cores":3,"cores":4}}}""", "application/merge-patch+json"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["299 - \"duplicate field \\\"spec.cpu.cores\\\"\""], Warnings(response));
        }

        Assert.Equal(4, (await vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "db1")).Spec.Cpu.Cores);

        using (var response = await SendAsync(server, client, HttpMethod.Patch, item, """[{"op":"replace","path":"/spec/cpu/cores","value":5,"value":6}]""", "application/json-patch+json"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["299 - \"json patch duplicate field \\\"[0].value\\\"\""], Warnings(response));
        }

        Assert.Equal(6, (await vms.ReadNamespacedAsync<NumaVirtualMachine>("default", "db1")).Spec.Cpu.Cores);
    }

    [Fact]
    public async Task Malformed_bodies_fail_as_before_whatever_the_mode()
    {
        await using var server = await TestServer.StartAsync();
        using var client = TestServer.Client(server);

        using var response = await SendAsync(server, client, HttpMethod.Post, Collection + "?fieldValidation=Strict", """{"metadata":{"name":"x","name":"y",""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["message"]!.ToString();
        Assert.StartsWith("the request body is not valid JSON: ", message, StringComparison.Ordinal);
        await AssertNotStoredAsync(client, "x");
        await AssertNotStoredAsync(client, "y");
    }

    /// <summary>
    /// kubectl 1.32 decodes a -f file (and a JSON patch) itself, so duplicates collapse to the last value client-side
    /// and the server gets a clean body: created, no error, no warning. A merge patch goes through verbatim without
    /// fieldValidation, so the server's default Warn applies and kubectl prints the Warning header.
    /// </summary>
    [SkippableFact]
    public async Task Kubectl_collapses_duplicates_in_files_and_json_patches_but_warns_on_merge_patches()
    {
        var binary = Kubectl.Find("1.32");
        Skip.If(binary is null, Kubectl.MissingReason("1.32"));
        var dir = TestServer.TempDir();
        try
        {
            await using var server = await TestServer.StartAsync();
            using var client = TestServer.Client(server);
            server.WriteKubeconfig(Path.Combine(dir, "kubeconfig"));
            var kubectl = new Kubectl(binary!, Path.Combine(dir, "kubeconfig"), dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "vm.json"), VmJson("db1", """{"cores":1,"cores":64}"""));

            var (code, stdout, stderr) = await kubectl.RunAsync("create", "-f", "vm.json");

            Assert.True(code == 0, stderr);
            Assert.Contains("numavirtualmachine.numaoperator.io/db1 created", stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("duplicate", stderr, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(64, (await TestServer.Vms(client).ReadNamespacedAsync<NumaVirtualMachine>("default", "db1")).Spec.Cpu.Cores);

            var merge = await kubectl.RunAsync("patch", "numavirtualmachine", "db1", "--type", "merge", "-p", """{"spec":{"cpu":{"cores":3,"cores":4}}}""");
            Assert.True(merge.ExitCode == 0, merge.Stderr);
            Assert.Contains("Warning: duplicate field \"spec.cpu.cores\"", merge.Stderr, StringComparison.Ordinal);
            Assert.Equal(4, (await TestServer.Vms(client).ReadNamespacedAsync<NumaVirtualMachine>("default", "db1")).Spec.Cpu.Cores);

            var json = await kubectl.RunAsync("patch", "numavirtualmachine", "db1", "--type", "json", "-p", """[{"op":"replace","path":"/spec/cpu/cores","value":5,"value":6}]""");
            Assert.True(json.ExitCode == 0, json.Stderr);
            Assert.DoesNotContain("duplicate", json.Stderr, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(6, (await TestServer.Vms(client).ReadNamespacedAsync<NumaVirtualMachine>("default", "db1")).Spec.Cpu.Cores);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(EmbeddedApiServer server, Kubernetes client, HttpMethod method, string path, string body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(server.BaseAddress, path))
        {
            Content = new StringContent(body, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType)),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", server.Token);
        return await client.HttpClient.SendAsync(request);
    }

    private static string[] Warnings(HttpResponseMessage response) =>
        response.Headers.NonValidated.TryGetValues("Warning", out var values) ? [.. values] : [];

    private static async Task AssertBadRequestAsync(HttpResponseMessage response, string message)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["message"]!.ToString());
    }

    private static async Task AssertNotStoredAsync(Kubernetes client, string name)
    {
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => TestServer.Vms(client).ReadNamespacedAsync<NumaVirtualMachine>("default", name));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
    }
}
