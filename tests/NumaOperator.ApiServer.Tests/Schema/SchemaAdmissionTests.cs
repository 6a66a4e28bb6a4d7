using System.Text.Json.Nodes;
using NumaOperator.Api.Crds;
using NumaOperator.ApiServer.Schema;

namespace NumaOperator.ApiServer.Tests.Schema;

public class SchemaAdmissionTests
{
    private static readonly StructuralSchema NvmSchema =
        StructuralSchema.FromCrd(NumaOperatorCrds.NumaVirtualMachineCrd().Spec.Versions.Single().Schema.OpenAPIV3Schema);

    private static JsonObject Vm(string spec) => JsonNode.Parse($$"""
        {"apiVersion": "numaoperator.io/v1alpha1", "kind": "NumaVirtualMachine", "metadata": {"name": "db1", "namespace": "default"}, "spec": {{spec}} }
        """)!.AsObject();

    private static List<string> Errors(string spec) =>
        [.. CustomResourceSchemaAdmission.Admit(NvmSchema, Vm(spec)).Errors.Select(e => e.ToString())];

    private static StructuralSchema Schema(string json) => StructuralSchema.FromJson(JsonNode.Parse(json)!.AsObject());

    [Fact]
    public void A_valid_vm_passes()
    {
        var result = CustomResourceSchemaAdmission.Admit(NvmSchema, Vm("""
            {"cpu": {"cores": 4, "dedicated": true}, "memory": {"size": "30Gi", "hugepages": {"pageSize": "2Mi"}},
             "numa": {"nodes": "0-1", "guestNodes": 2, "policy": "Preferred"}, "nodeSelector": {"kubernetes.io/hostname": "worker-7"},
             "boot": {"kernel": "vmlinuz-6.1", "initrd": "initrd.img-6.1", "cmdline": "console=ttyS0", "disk": {"image": "debian.qcow2", "format": "qcow2"}}}
            """));
        Assert.Empty(result.Errors);
        Assert.Empty(result.PrunedFields);
    }

    [Theory]
    [InlineData("""{"cpu": {"cores": 0}, "memory": {"size": "1Gi"}}""", "spec.cpu.cores: Invalid value: 0: spec.cpu.cores in body should be greater than or equal to 1")]
    [InlineData("""{"cpu": {"cores": 1025}, "memory": {"size": "1Gi"}}""", "spec.cpu.cores: Invalid value: 1025: spec.cpu.cores in body should be less than or equal to 1024")]
    [InlineData("""{"cpu": {"cores": 1}, "memory": {"size": "1Gi", "hugepages": {"pageSize": "3Mi"}}}""", "spec.memory.hugepages.pageSize: Unsupported value: \"3Mi\": supported values: \"2Mi\", \"1Gi\"")]
    [InlineData("""{"cpu": {"cores": 1}, "memory": {"size": "1 Gi"}}""", "spec.memory.size: Invalid value: \"1 Gi\": spec.memory.size in body should match '^[0-9]{1,19}(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$'")]
    [InlineData("""{"cpu": {"cores": "four"}, "memory": {"size": "1Gi"}}""", "spec.cpu.cores: Invalid value: \"string\": spec.cpu.cores in body must be of type integer: \"string\"")]
    [InlineData("""{"cpu": {"cores": 1.5}, "memory": {"size": "1Gi"}}""", "spec.cpu.cores: Invalid value: \"number\": spec.cpu.cores in body must be of type integer: \"number\"")]
    [InlineData("""{"memory": {"size": "1Gi"}}""", "spec.cpu: Required value")]
    [InlineData("""{"cpu": {"cores": 1}, "memory": {}}""", "spec.memory.size: Required value")]
    [InlineData("""{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "numa": {"guestNodes": 65}}""", "spec.numa.guestNodes: Invalid value: 65: spec.numa.guestNodes in body should be less than or equal to 64")]
    [InlineData("""{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "boot": {"kernel": "/etc/passwd"}}""", "spec.boot.kernel: Invalid value: \"/etc/passwd\": spec.boot.kernel in body should match '^[A-Za-z0-9_][A-Za-z0-9._+-]*(/[A-Za-z0-9_][A-Za-z0-9._+-]*)*$'")]
    [InlineData("""{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "running": "yes"}""", "spec.running: Invalid value: \"string\": spec.running in body must be of type boolean: \"string\"")]
    public void Each_keyword_is_enforced_with_the_api_servers_wording(string spec, string expected)
    {
        Assert.Contains(expected, Errors(spec));
    }

    [Fact]
    public void MaxLength_reports_too_long()
    {
        var cmdline = new string('x', 4097);
        var errors = Errors($$$"""{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "boot": {"kernel": "k", "cmdline": "{{{cmdline}}}"} }""");
        Assert.Contains(errors, e => e.StartsWith("spec.boot.cmdline: Too long: ", StringComparison.Ordinal) && e.EndsWith("may not be more than 4096 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void MaxProperties_reports_too_many()
    {
        var labels = string.Join(", ", Enumerable.Range(0, 65).Select(i => $"\"l{i}\": \"v\""));
        var errors = Errors($$$"""{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "nodeSelector": { {{{labels}}} } }""");
        Assert.Contains("spec.nodeSelector: Too many: 65: must have at most 64 items", errors);
    }

    [Fact]
    public void Map_values_are_checked_with_the_key_in_the_path()
    {
        var errors = Errors("""{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "nodeSelector": {"zone": "-bad"}}""");
        Assert.Contains(errors, e => e.StartsWith("spec.nodeSelector.zone: Invalid value: \"-bad\": spec.nodeSelector.zone in body should match", StringComparison.Ordinal));
    }

    [Fact]
    public void Defaults_fill_missing_fields_including_inside_new_objects()
    {
        var vm = Vm("""{"cpu": {"cores": 2}, "memory": {"size": "1Gi"}, "numa": {}}""");
        var result = CustomResourceSchemaAdmission.Admit(NvmSchema, vm);
        Assert.Empty(result.Errors);
        Assert.Null(vm["spec"]!["running"]); // no default: spec.runStrategy and spec.running exclude each other
        Assert.False(vm["spec"]!["cpu"]!["dedicated"]!.GetValue<bool>());
        Assert.Equal(1, vm["spec"]!["numa"]!["guestNodes"]!.GetValue<int>());
        Assert.Equal("Strict", vm["spec"]!["numa"]!["policy"]!.GetValue<string>());
        Assert.Null(vm["spec"]!["boot"]);
    }

    [Fact]
    public void Defaults_never_overwrite_given_values()
    {
        var vm = Vm("""{"running": false, "cpu": {"cores": 2, "dedicated": true}, "memory": {"size": "1Gi"}, "numa": {"guestNodes": 2, "policy": "Preferred"}}""");
        CustomResourceSchemaAdmission.Admit(NvmSchema, vm);
        Assert.False(vm["spec"]!["running"]!.GetValue<bool>());
        Assert.True(vm["spec"]!["cpu"]!["dedicated"]!.GetValue<bool>());
        Assert.Equal(2, vm["spec"]!["numa"]!["guestNodes"]!.GetValue<int>());
        Assert.Equal("Preferred", vm["spec"]!["numa"]!["policy"]!.GetValue<string>());
    }

    [Fact]
    public void Null_becomes_the_default_or_disappears()
    {
        var vm = Vm("""{"cpu": {"cores": 2, "dedicated": null}, "memory": {"size": "1Gi", "hugepages": null}}""");
        var result = CustomResourceSchemaAdmission.Admit(NvmSchema, vm);
        Assert.Empty(result.Errors);
        Assert.False(vm["spec"]!["cpu"]!["dedicated"]!.GetValue<bool>());
        Assert.False(vm["spec"]!["memory"]!.AsObject().ContainsKey("hugepages"));
    }

    [Fact]
    public void Unknown_fields_are_pruned_and_reported_but_metadata_is_left_alone()
    {
        var vm = Vm("""{"cpu": {"cores": 2, "sockets": 2}, "memory": {"size": "1Gi"}, "gpu": true}""");
        vm["metadata"]!["labels"] = new JsonObject { ["a"] = "b" };
        vm["extra"] = 1;
        var result = CustomResourceSchemaAdmission.Admit(NvmSchema, vm);
        Assert.Empty(result.Errors);
        Assert.Equal(["extra", "spec.cpu.sockets", "spec.gpu"], result.PrunedFields.Order(StringComparer.Ordinal));
        Assert.Contains("unknown field \"spec.gpu\"", result.UnknownFieldWarnings);
        Assert.False(vm["spec"]!["cpu"]!.AsObject().ContainsKey("sockets"));
        Assert.False(vm.ContainsKey("extra"));
        Assert.Equal("b", vm["metadata"]!["labels"]!["a"]!.GetValue<string>());
    }

    [Fact]
    public void Pruning_reaches_into_list_items()
    {
        var schema = StructuralSchema.FromCrd(NumaOperatorCrds.NumaNodeTopologyCrd().Spec.Versions.Single().Schema.OpenAPIV3Schema);
        var nnt = JsonNode.Parse("""
            {"apiVersion": "numaoperator.io/v1alpha1", "kind": "NumaNodeTopology", "metadata": {"name": "n1"},
             "status": {"numaNodes": [{"id": 0, "cpus": "0-3", "bogus": 1, "hugepages": [{"pageSize": "2Mi", "total": 4, "free": 4, "color": "red"}]}]}}
            """)!.AsObject();
        var result = CustomResourceSchemaAdmission.Admit(schema, nnt);
        Assert.Empty(result.Errors);
        Assert.Equal(["status.numaNodes[0].bogus", "status.numaNodes[0].hugepages[0].color"], result.PrunedFields);
    }

    [Fact]
    public void Preserve_unknown_fields_keeps_them()
    {
        var schema = Schema("""{"type": "object", "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}""");
        var obj = JsonNode.Parse("""{"spec": {"anything": {"goes": 1}}}""")!.AsObject();
        var result = CustomResourceSchemaAdmission.Admit(schema, obj);
        Assert.Empty(result.PrunedFields);
        Assert.Equal(1, obj["spec"]!["anything"]!["goes"]!.GetValue<int>());
    }

    [Fact]
    public void Items_min_max_and_string_min_length_and_exclusive_bounds()
    {
        var schema = Schema("""
            {"type": "object", "properties": {
              "list": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "integer", "minimum": 0, "exclusiveMinimum": true}},
              "name": {"type": "string", "minLength": 2},
              "ratio": {"type": "number", "maximum": 1, "exclusiveMaximum": true}}}
            """);
        var errors = CustomResourceSchemaAdmission.Admit(schema, JsonNode.Parse("""{"list": [0, 1, 2], "name": "a", "ratio": 1.0}""")!.AsObject()).Errors.Select(e => e.ToString()).ToList();
        Assert.Contains("list: Too many: 3: must have at most 2 items", errors);
        Assert.Contains("list[0]: Invalid value: 0: list[0] in body should be greater than 0", errors);
        Assert.Contains("name: Invalid value: \"a\": name in body should be at least 2 chars long", errors);
        Assert.Contains("ratio: Invalid value: 1: ratio in body should be less than 1", errors);
        var empty = CustomResourceSchemaAdmission.Admit(schema, JsonNode.Parse("""{"list": []}""")!.AsObject()).Errors.Select(e => e.ToString());
        Assert.Contains("list: Invalid value: 0: list in body should have at least 1 items", empty);
    }

    [Fact]
    public void Nullable_int_or_string_and_date_time()
    {
        var schema = Schema("""
            {"type": "object", "properties": {
              "maybe": {"type": "string", "nullable": true},
              "port": {"x-kubernetes-int-or-string": true},
              "when": {"type": "string", "format": "date-time"},
              "items": {"type": "array", "items": {"type": "string"}}}}
            """);
        var ok = JsonNode.Parse("""{"maybe": null, "port": "http", "when": "2026-11-29T10:00:00Z"}""")!.AsObject();
        Assert.Empty(CustomResourceSchemaAdmission.Admit(schema, ok).Errors);
        Assert.True(ok.ContainsKey("maybe"));
        Assert.Empty(CustomResourceSchemaAdmission.Admit(schema, JsonNode.Parse("""{"port": 8080}""")!.AsObject()).Errors);

        var bad = CustomResourceSchemaAdmission.Admit(schema, JsonNode.Parse("""{"port": true, "when": "yesterday", "items": [null]}""")!.AsObject()).Errors.Select(e => e.ToString()).ToList();
        Assert.Contains("port: Invalid value: \"boolean\": port in body must be of type integer,string: \"boolean\"", bad);
        Assert.Contains("when: Invalid value: \"yesterday\": when in body must be of type date-time: \"yesterday\"", bad);
        Assert.Contains("items[0]: Invalid value: \"null\": items[0] in body must be of type string: \"null\"", bad);
    }

    [Theory]
    [InlineData("2026-11-29T10:00:00Z", true)]
    [InlineData("2026-11-29T10:00:00.123456Z", true)]
    [InlineData("2026-11-29T10:00:00.123456789Z", true)]
    [InlineData("2026-11-29T10:00:00.5+02:00", true)]
    [InlineData("2026-11-29T10:00:00.1234567891Z", false)]
    [InlineData("2026-11-29 10:00:00Z", false)]
    [InlineData("2026-11-29T10:00:00", false)]
    [InlineData("2026-13-29T10:00:00Z", false)]
    public void Date_time_accepts_rfc3339_with_up_to_nine_fraction_digits_as_the_real_server_does(string when, bool valid)
    {
        var schema = Schema("""{"type": "object", "properties": {"when": {"type": "string", "format": "date-time"}}}""");
        var doc = new JsonObject { ["when"] = when };
        Assert.Equal(valid, CustomResourceSchemaAdmission.Admit(schema, doc).Errors.Count == 0);
    }

    [Fact]
    public void Condition_lists_are_validated_like_metav1_Condition()
    {
        var vm = Vm("""{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}}""");
        vm["status"] = JsonNode.Parse("""{"phase": "Running", "conditions": [{"type": "Ready", "status": "Maybe", "reason": "bad reason", "lastTransitionTime": "2026-11-29T10:00:00Z"}]}""");
        var errors = CustomResourceSchemaAdmission.Admit(NvmSchema, vm).Errors.Select(e => e.ToString()).ToList();
        Assert.Contains("status.conditions[0].message: Required value", errors);
        Assert.Contains("status.conditions[0].status: Unsupported value: \"Maybe\": supported values: \"True\", \"False\", \"Unknown\"", errors);
        Assert.Contains(errors, e => e.StartsWith("status.conditions[0].reason: Invalid value: \"bad reason\": status.conditions[0].reason in body should match", StringComparison.Ordinal));
    }

    [Fact]
    public void An_update_is_not_refused_for_a_top_level_field_it_left_as_it_was_but_is_for_one_it_changed()
    {
        // The real server's validation ratcheting: an object a tighter schema no longer admits can still be written
        // where the write leaves its invalid part alone.
        const string invalidSpec = """{"cpu": {"cores": 0}, "memory": {"size": "1Gi"}}""";
        const string coresError = "spec.cpu.cores: Invalid value: 0: spec.cpu.cores in body should be greater than or equal to 1";
        var previous = Vm(invalidSpec);
        CustomResourceSchemaAdmission.Admit(NvmSchema, previous); // stored as the server keeps it: pruned and defaulted
        var statusWrite = (JsonObject)previous.DeepClone();
        statusWrite["status"] = JsonNode.Parse("""{"nodeName": "node-a"}""");
        var specWrite = Vm("""{"cpu": {"cores": 0}, "memory": {"size": "2Gi"}}""");

        Assert.Empty(CustomResourceSchemaAdmission.Admit(NvmSchema, statusWrite, previous).Errors);
        Assert.Contains(coresError, CustomResourceSchemaAdmission.Admit(NvmSchema, specWrite, previous).Errors.Select(e => e.ToString()));
        Assert.Contains(coresError, Errors(invalidSpec)); // a create has nothing to ratchet against
    }
}
