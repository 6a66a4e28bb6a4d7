using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using NumaOperator.Api.Crds;

namespace NumaOperator.Api.Tests.Crds;

public class CrdGenerationTests
{
    private static V1CustomResourceDefinition Nvm => NumaOperatorCrds.NumaVirtualMachineCrd();

    private static V1CustomResourceDefinition Nnt => NumaOperatorCrds.NumaNodeTopologyCrd();

    private static V1JSONSchemaProps Root(V1CustomResourceDefinition crd) => crd.Spec.Versions.Single().Schema.OpenAPIV3Schema;

    private static V1JSONSchemaProps At(V1CustomResourceDefinition crd, string dottedPath)
    {
        var schema = Root(crd);
        foreach (var name in dottedPath.Split('.'))
        {
            schema = schema.Properties?.TryGetValue(name, out var child) == true
                ? child
                : throw new Xunit.Sdk.XunitException($"{dottedPath}: no property {name}");
        }

        return schema;
    }

    /// <summary>Every schema node with its path, walking properties, map values and list items.</summary>
    private static IEnumerable<(string Path, V1JSONSchemaProps Schema, bool IsField)> Walk(V1JSONSchemaProps schema, string path)
    {
        foreach (var (name, child) in schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
        {
            var childPath = path.Length == 0 ? name : path + "." + name;
            yield return (childPath, child, true);
            foreach (var nested in Walk(child, childPath))
            {
                yield return nested;
            }
        }

        if (schema.Items is V1JSONSchemaProps items)
        {
            yield return (path + "[]", items, false);
            foreach (var nested in Walk(items, path + "[]"))
            {
                yield return nested;
            }
        }

        if (schema.AdditionalProperties is V1JSONSchemaProps values)
        {
            yield return (path + ".*", values, false);
            foreach (var nested in Walk(values, path + ".*"))
            {
                yield return nested;
            }
        }
    }

    public static TheoryData<string> CrdNames => new() { "numavirtualmachines.numaoperator.io", "numanodetopologies.numaoperator.io", "numavirtualmachinemigrations.numaoperator.io" };

    private static V1CustomResourceDefinition ByName(string name) => NumaOperatorCrds.All().Single(c => c.Metadata.Name == name);

    [Theory]
    [MemberData(nameof(CrdNames))]
    public void Every_field_has_a_description(string crdName)
    {
        var root = Root(ByName(crdName));
        Assert.False(string.IsNullOrWhiteSpace(root.Description));
        var missing = Walk(root, string.Empty).Where(n => n.IsField && string.IsNullOrWhiteSpace(n.Schema.Description)).Select(n => n.Path).ToList();
        Assert.True(missing.Count == 0, "fields without a description: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(CrdNames))]
    public void The_schema_is_structural(string crdName)
    {
        // Structural (apiextensions): every node has a type, objects don't mix properties and additionalProperties,
        // arrays have items, and nothing but metadata is left open.
        foreach (var (path, schema, _) in Walk(Root(ByName(crdName)), string.Empty))
        {
            Assert.False(string.IsNullOrEmpty(schema.Type), $"{path} has no type");
            Assert.False(schema.Properties is { Count: > 0 } && schema.AdditionalProperties is not null, $"{path} has both properties and additionalProperties");
            if (schema.Type == "array")
            {
                Assert.True(schema.Items is V1JSONSchemaProps, $"{path} is an array without items");
            }

            Assert.NotEqual(true, schema.XKubernetesPreserveUnknownFields);
        }
    }

    [Theory]
    [MemberData(nameof(CrdNames))]
    public void Every_string_has_a_length_or_value_bound(string crdName)
    {
        // CEL cost estimates and etcd object sizes both need bounded strings.
        var unbounded = Walk(Root(ByName(crdName)), string.Empty)
            .Where(n => n.Schema.Type == "string" && n.Schema.MaxLength is null && n.Schema.EnumProperty is null && n.Schema.Format != "date-time")
            .Select(n => n.Path)
            .Where(p => p is not "apiVersion" and not "kind")
            .ToList();
        Assert.True(unbounded.Count == 0, "strings without maxLength or enum: " + string.Join(", ", unbounded));
    }

    [Fact]
    public void Enums_name_the_allowed_values()
    {
        Assert.Equal(["2Mi", "1Gi"], At(Nvm, "spec.memory.hugepages.pageSize").EnumProperty.Cast<string>());
        Assert.Equal(["Strict", "Preferred"], At(Nvm, "spec.numa.policy").EnumProperty.Cast<string>());
        Assert.Equal(["qcow2", "raw"], At(Nvm, "spec.boot.disk.format").EnumProperty.Cast<string>());
        Assert.Equal(
            ["Pending", "Scheduled", "Starting", "Running", "Stopping", "Stopped", "Failed"],
            At(Nvm, "status.phase").EnumProperty.Cast<string>());
    }

    [Fact]
    public void Defaults_bounds_and_patterns_follow_the_contract()
    {
        Assert.Null(At(Nvm, "spec.running").DefaultProperty); // a default would always clash with spec.runStrategy
        Assert.Null(At(Nvm, "spec.runStrategy").DefaultProperty);
        Assert.Equal(false, At(Nvm, "spec.cpu.dedicated").DefaultProperty);
        Assert.Equal(1, At(Nvm, "spec.numa.guestNodes").DefaultProperty);
        Assert.Equal("Strict", At(Nvm, "spec.numa.policy").DefaultProperty);

        Assert.Equal(1, At(Nvm, "spec.cpu.cores").Minimum);
        Assert.Equal(1024, At(Nvm, "spec.cpu.cores").Maximum);
        Assert.Equal(1, At(Nvm, "spec.numa.guestNodes").Minimum);
        Assert.Equal(64, At(Nvm, "spec.numa.guestNodes").Maximum);

        Assert.NotNull(At(Nvm, "spec.numa.nodes").Pattern);
        Assert.NotNull(At(Nvm, "spec.memory.size").Pattern);
        Assert.NotNull(At(Nvm, "spec.boot.kernel").Pattern);
        Assert.NotNull(At(Nvm, "spec.boot.initrd").Pattern);
        Assert.NotNull(At(Nvm, "spec.boot.disk.image").Pattern);

        Assert.Equal(["cpu", "memory"], At(Nvm, "spec").Required);
        Assert.Equal(["cores"], At(Nvm, "spec.cpu").Required);
        Assert.Equal(["size"], At(Nvm, "spec.memory").Required);
        Assert.Equal(["spec"], Root(Nvm).Required);
    }

    [Theory]
    [InlineData("spec", ".memory.size", "quantity(self.memory.size).asInteger()")]
    [InlineData("spec", ".numa.guestNodes", "self.numa.guestNodes <= self.cpu.cores")]
    [InlineData("spec.numa", ".guestNodes", ".sum() >= self.guestNodes")]
    [InlineData("spec.numa.nodes", null, "int(n) <= 255")]
    [InlineData("spec.memory.size", null, "quantity(self).isGreaterThan(quantity('0'))")]
    [InlineData("spec.boot", ".kernel", "!has(self.initrd) || has(self.kernel)")]
    [InlineData("spec.boot", ".kernel", "!has(self.cmdline) || has(self.kernel)")]
    public void Cross_field_rules_are_declared_as_CEL(string at, string? fieldPath, string ruleFragment)
    {
        var rules = At(Nvm, at).XKubernetesValidations ?? [];
        var rule = Assert.Single(rules, r => r.Rule.Contains(ruleFragment, StringComparison.Ordinal));
        Assert.Equal(fieldPath, rule.FieldPath);
        Assert.False(string.IsNullOrWhiteSpace(rule.Message));
    }

    [Fact]
    public void Boot_rules_report_a_missing_kernel_as_required()
    {
        Assert.All(At(Nvm, "spec.boot").XKubernetesValidations, r => Assert.Equal("FieldValueRequired", r.Reason));
    }

    [Fact]
    public void Names_scope_and_subresources_follow_the_contract()
    {
        Assert.Equal("Namespaced", Nvm.Spec.Scope);
        Assert.Equal(["nvm", "numavm"], Nvm.Spec.Names.ShortNames);
        Assert.Equal(["numa"], Nvm.Spec.Names.Categories);
        Assert.Equal("numavirtualmachine", Nvm.Spec.Names.Singular);
        Assert.Equal("Cluster", Nnt.Spec.Scope);
        Assert.Equal(["nnt"], Nnt.Spec.Names.ShortNames);
        Assert.Equal(["numa"], Nnt.Spec.Names.Categories);
        foreach (var crd in NumaOperatorCrds.All())
        {
            var version = Assert.Single(crd.Spec.Versions);
            Assert.True(version.Served && version.Storage);
            Assert.NotNull(version.Subresources?.Status);
        }
    }

    [Fact]
    public void Printer_columns_show_phase_node_numa_vcpus_memory_local_and_age()
    {
        var columns = Nvm.Spec.Versions.Single().AdditionalPrinterColumns.Where(c => (c.Priority ?? 0) == 0).ToList();
        Assert.Equal(["Phase", "Node", "NUMA", "vCPUs", "Memory", "Local", "Age"], columns.Select(c => c.Name));
        Assert.Equal(".status.placement.guestNodes[*].hostNode", columns.Single(c => c.Name == "NUMA").JsonPath);
        Assert.Equal(".status.numastat.localRatio", columns.Single(c => c.Name == "Local").JsonPath);
        Assert.Equal("integer", columns.Single(c => c.Name == "vCPUs").Type);
        Assert.Equal("date", columns.Single(c => c.Name == "Age").Type);
    }

    [Fact]
    public void Migration_names_columns_and_immutable_spec_follow_the_contract()
    {
        var crd = NumaOperatorCrds.NumaVirtualMachineMigrationCrd();
        Assert.Equal("Namespaced", crd.Spec.Scope);
        Assert.Equal(["nvmim", "numavmim"], crd.Spec.Names.ShortNames);
        Assert.Equal(["numa"], crd.Spec.Names.Categories);
        var columns = crd.Spec.Versions.Single().AdditionalPrinterColumns.Where(c => (c.Priority ?? 0) == 0).Select(c => c.Name);
        Assert.Equal(["Phase", "VM", "Source", "Target", "Age"], columns);
        var spec = At(crd, "spec");
        Assert.Contains(spec.XKubernetesValidations, r => r.Rule == "self == oldSelf" && r.Reason == "FieldValueForbidden");
        Assert.Contains("vmName", spec.Required);
        Assert.Equal(1, At(crd, "spec.completionTimeoutSeconds").Minimum);
        Assert.NotEmpty(At(crd, "spec.bandwidth").XKubernetesValidations);
    }

    [Fact]
    public void Printer_columns_point_at_fields_of_the_schema()
    {
        foreach (var crd in NumaOperatorCrds.All())
        {
            foreach (var column in crd.Spec.Versions.Single().AdditionalPrinterColumns)
            {
                if (column.JsonPath.StartsWith(".metadata.", StringComparison.Ordinal))
                {
                    continue;
                }

                // ".status.conditions[?(@.type==\"Ready\")].status" -> status.conditions.status; "[*]" likewise.
                var path = System.Text.RegularExpressions.Regex.Replace(column.JsonPath, @"\[[^\]]*\]", string.Empty).TrimStart('.');
                var schema = Root(crd);
                foreach (var name in path.Split('.'))
                {
                    schema = schema.Type == "array" ? (V1JSONSchemaProps)schema.Items : schema;
                    Assert.True(schema.Properties?.ContainsKey(name) == true, $"{crd.Metadata.Name} column {column.Name}: {column.JsonPath} is not in the schema");
                    schema = schema.Properties![name];
                }
            }
        }
    }

    [Fact]
    public void Conditions_use_the_metav1_Condition_schema_as_a_map_list()
    {
        foreach (var crd in NumaOperatorCrds.All())
        {
            var conditions = At(crd, "status.conditions");
            Assert.Equal("map", conditions.XKubernetesListType);
            Assert.Equal(["type"], conditions.XKubernetesListMapKeys);
            var item = (V1JSONSchemaProps)conditions.Items;
            Assert.Equal(["lastTransitionTime", "message", "reason", "status", "type"], item.Required);
            Assert.Equal(["True", "False", "Unknown"], item.Properties["status"].EnumProperty.Cast<string>());
        }
    }

    [Fact]
    public void Yaml_is_deterministic_with_LF_line_ends_and_round_trips()
    {
        var first = CrdYaml.RenderAll(NumaOperatorCrds.All());
        var second = CrdYaml.RenderAll(NumaOperatorCrds.All());
        Assert.Equal(first, second);
        Assert.DoesNotContain('\r', first);
        Assert.StartsWith("---\n", first, StringComparison.Ordinal);

        var loaded = KubernetesYaml.LoadAllFromString(first);
        Assert.Equal(NumaOperatorCrds.All().Count, loaded.Count);
        var nvm = Assert.IsType<V1CustomResourceDefinition>(loaded[^1]);
        Assert.Equal(
            JsonNode.Parse(KubernetesJson.Serialize(Nvm))!.ToJsonString(),
            JsonNode.Parse(KubernetesJson.Serialize(nvm))!.ToJsonString());
    }
}
