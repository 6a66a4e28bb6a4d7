using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using NumaOperator.Api.Crds;
using NumaOperator.ApiServer.Schema;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;

namespace NumaOperator.ApiServer.Tests.Schema;

/// <summary>
/// The CRD (schema keywords and CEL rules) and the C# validation core must reject the same specs on the same field.
/// Schema keywords are checked by running the schema engine; CEL rules by evaluating them (KubernetesCel: the Cel
/// package plus the Kubernetes libraries the rules use) on the defaulted object, as the real API server does.
/// </summary>
public class ValidatorAgreementTests
{
    public enum Enforcer
    {
        Schema,
        Cel,
    }

    private static readonly V1CustomResourceDefinition Crd = NumaOperatorCrds.NumaVirtualMachineCrd();
    private static readonly V1JSONSchemaProps RootSchema = Crd.Spec.Versions.Single().Schema.OpenAPIV3Schema;
    private static readonly StructuralSchema NvmSchema = StructuralSchema.FromCrd(RootSchema);

    private const string Base = """{"cpu": {"cores": 4}, "memory": {"size": "1Gi", "hugepages": {"pageSize": "2Mi"}}}""";

    public static TheoryData<string, string, string, Enforcer> BadSpecs => new()
    {
        { "cores 0", """{"cpu": {"cores": 0}, "memory": {"size": "1Gi"}}""", "spec.cpu.cores", Enforcer.Schema },
        { "cores 2000", """{"cpu": {"cores": 2000}, "memory": {"size": "1Gi"}}""", "spec.cpu.cores", Enforcer.Schema },
        { "page size 3Mi", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi", "hugepages": {"pageSize": "3Mi"}}}""", "spec.memory.hugepages.pageSize", Enforcer.Schema },
        { "size garbage", """{"cpu": {"cores": 1}, "memory": {"size": "lots"}}""", "spec.memory.size", Enforcer.Schema },
        { "size with a space", """{"cpu": {"cores": 1}, "memory": {"size": " 1Gi"}}""", "spec.memory.size", Enforcer.Schema },
        { "size missing", """{"cpu": {"cores": 1}, "memory": {}}""", "spec.memory.size", Enforcer.Schema },
        { "evictionStrategy Migrate", """{"evictionStrategy": "Migrate", "cpu": {"cores": 1}, "memory": {"size": "1Gi"}}""", "spec.evictionStrategy", Enforcer.Schema },
        { "running and runStrategy both set", """{"running": true, "runStrategy": "Always", "cpu": {"cores": 1}, "memory": {"size": "1Gi"}}""", "spec.running", Enforcer.Cel },
        { "size zero", """{"cpu": {"cores": 1}, "memory": {"size": "0"}}""", "spec.memory.size", Enforcer.Cel },
        { "size overflows", """{"cpu": {"cores": 1}, "memory": {"size": "9999999999999999999E"}}""", "spec.memory.size", Enforcer.Cel },
        { "size not whole 2Mi pages", """{"cpu": {"cores": 1}, "memory": {"size": "3Mi", "hugepages": {"pageSize": "2Mi"}}}""", "spec.memory.size", Enforcer.Cel },
        { "size not whole 4Ki pages", """{"cpu": {"cores": 1}, "memory": {"size": "4097"}}""", "spec.memory.size", Enforcer.Cel },
        { "size not split over guest nodes", """{"cpu": {"cores": 2}, "memory": {"size": "3Gi", "hugepages": {"pageSize": "1Gi"}}, "numa": {"guestNodes": 2}}""", "spec.memory.size", Enforcer.Cel },
        { "guestNodes 0", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "numa": {"guestNodes": 0}}""", "spec.numa.guestNodes", Enforcer.Schema },
        { "guestNodes 65", """{"cpu": {"cores": 128}, "memory": {"size": "1Gi"}, "numa": {"guestNodes": 65}}""", "spec.numa.guestNodes", Enforcer.Schema },
        { "guestNodes over listed nodes", """{"cpu": {"cores": 4}, "memory": {"size": "1Gi"}, "numa": {"nodes": "1", "guestNodes": 2}}""", "spec.numa.guestNodes", Enforcer.Cel },
        { "guestNodes over listed ranges", """{"cpu": {"cores": 8}, "memory": {"size": "1Gi"}, "numa": {"nodes": "0-1,4", "guestNodes": 4}}""", "spec.numa.guestNodes", Enforcer.Cel },
        { "guestNodes over cores", """{"cpu": {"cores": 2}, "memory": {"size": "1Gi"}, "numa": {"guestNodes": 4}}""", "spec.numa.guestNodes", Enforcer.Cel },
        { "nodes not a cpuset", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "numa": {"nodes": "a-b"}}""", "spec.numa.nodes", Enforcer.Schema },
        { "nodes with spaces", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "numa": {"nodes": "0, 1"}}""", "spec.numa.nodes", Enforcer.Schema },
        { "nodes descending range", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "numa": {"nodes": "1-0"}}""", "spec.numa.nodes", Enforcer.Cel },
        { "nodes id over 255", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "numa": {"nodes": "999"}}""", "spec.numa.nodes", Enforcer.Cel },
        { "policy unknown", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "numa": {"policy": "Loose"}}""", "spec.numa.policy", Enforcer.Schema },
        { "label value", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "nodeSelector": {"zone": "-bad"}}""", "spec.nodeSelector.zone", Enforcer.Schema },
        { "too many labels", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "nodeSelector": {LABELS}}""", "spec.nodeSelector", Enforcer.Schema },
        { "kernel absolute", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "boot": {"kernel": "/boot/vmlinuz"}}""", "spec.boot.kernel", Enforcer.Schema },
        { "kernel escapes", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "boot": {"kernel": "../vmlinuz"}}""", "spec.boot.kernel", Enforcer.Schema },
        { "kernel looks like an option", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "boot": {"kernel": "-kernel"}}""", "spec.boot.kernel", Enforcer.Schema },
        { "kernel too long", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "boot": {"kernel": "LONGNAME"}}""", "spec.boot.kernel", Enforcer.Schema },
        { "initrd without kernel", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "boot": {"initrd": "initrd.img"}}""", "spec.boot.kernel", Enforcer.Cel },
        { "cmdline without kernel", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "boot": {"cmdline": "quiet"}}""", "spec.boot.kernel", Enforcer.Cel },
        { "cmdline with a newline", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "boot": {"kernel": "k", "cmdline": "quiet\ninit=/bin/sh"}}""", "spec.boot.cmdline", Enforcer.Schema },
        { "cmdline too long", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "boot": {"kernel": "k", "cmdline": "LONGCMDLINE"}}""", "spec.boot.cmdline", Enforcer.Schema },
        { "disk without image", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "boot": {"disk": {"format": "raw"}}}""", "spec.boot.disk.image", Enforcer.Schema },
        { "data disk names repeated", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "disks": [{"name": "a", "size": "1Gi"}, {"name": "a", "size": "2Gi"}]}""", "spec.disks", Enforcer.Cel },
        { "data disk name upper case", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "disks": [{"name": "A", "size": "1Gi"}]}""", "spec.disks[0].name", Enforcer.Schema },
        { "user data inline and from a secret", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "cloudInit": {"userData": "x", "userDataSecretRef": {"name": "s"}}}""", "spec.cloudInit.userData", Enforcer.Cel },
        { "network data inline and from a secret", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "cloudInit": {"networkData": "x", "networkDataSecretRef": {"name": "s"}}}""", "spec.cloudInit.networkData", Enforcer.Cel },
        { "disk format unknown", """{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "boot": {"disk": {"image": "d.img", "format": "vmdk"}}}""", "spec.boot.disk.format", Enforcer.Schema },
    };

    private static JsonObject Vm(string spec)
    {
        spec = spec
            .Replace("LABELS", string.Join(", ", Enumerable.Range(0, 65).Select(i => $"\"l{i}\": \"v\"")), StringComparison.Ordinal)
            .Replace("LONGNAME", new string('k', 256), StringComparison.Ordinal)
            .Replace("LONGCMDLINE", new string('c', 4097), StringComparison.Ordinal);
        return JsonNode.Parse($$"""{"apiVersion": "numaoperator.io/v1alpha1", "kind": "NumaVirtualMachine", "metadata": {"name": "vm1", "namespace": "default"}, "spec": {{spec}} }""")!.AsObject();
    }

    private static IReadOnlyList<FieldError> Core(JsonObject vm) =>
        NumaVirtualMachineValidator.Validate(KubernetesJson.Deserialize<NumaVirtualMachine>(vm.ToJsonString())).Errors;

    /// <summary>Every CEL rule of the CRD with the field path it reports on (its location plus its fieldPath).</summary>
    private static IEnumerable<(string Path, V1ValidationRule Rule)> CelRules(V1JSONSchemaProps schema, string path)
    {
        foreach (var rule in schema.XKubernetesValidations ?? [])
        {
            yield return (path + (rule.FieldPath ?? string.Empty), rule);
        }

        foreach (var (name, child) in schema.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
        {
            foreach (var nested in CelRules(child, path.Length == 0 ? name : path + "." + name))
            {
                yield return nested;
            }
        }
    }

    [Fact]
    public void A_good_spec_passes_both()
    {
        var vm = Vm("""
            {"cpu": {"cores": 4, "dedicated": true}, "memory": {"size": "2Gi", "hugepages": {"pageSize": "1Gi"}},
             "numa": {"nodes": "0,2-3", "guestNodes": 2}, "nodeSelector": {"kubernetes.io/hostname": "w7"},
             "boot": {"kernel": "vmlinuz", "initrd": "initrd.img", "cmdline": "console=ttyS0", "disk": {"image": "images/d.qcow2", "format": "qcow2"}}}
            """);
        Assert.Empty(CustomResourceSchemaAdmission.Admit(NvmSchema, vm).Errors);
        Assert.Empty(KubernetesCel.Evaluate(RootSchema, vm));
        Assert.Empty(Core(vm));
        Assert.Empty(Core(Vm(Base)));
    }

    [Theory]
    [InlineData("""{"cpu": {"cores": 1}, "memory": {"size": "4096"}}""")]
    [InlineData("""{"cpu": {"cores": 1}, "memory": {"size": "2Mi", "hugepages": {"pageSize": "2Mi"}}}""")]
    [InlineData("""{"cpu": {"cores": 4}, "memory": {"size": "4Gi", "hugepages": {"pageSize": "1Gi"}}, "numa": {"nodes": "0-3", "guestNodes": 4}}""")]
    [InlineData("""{"cpu": {"cores": 64}, "memory": {"size": "128Mi", "hugepages": {"pageSize": "2Mi"}}, "numa": {"nodes": "0-63", "guestNodes": 64}}""")]
    [InlineData("""{"cpu": {"cores": 2}, "memory": {"size": "7Ei"}, "numa": {"nodes": "255,0", "guestNodes": 2}}""")]
    [InlineData("""{"cpu": {"cores": 1}, "memory": {"size": "8G"}, "boot": {"kernel": "k", "initrd": "i", "cmdline": "c"}}""")]
    public void Boundary_specs_pass_schema_CEL_and_core(string spec)
    {
        var vm = Vm(spec);
        Assert.Empty(CustomResourceSchemaAdmission.Admit(NvmSchema, vm).Errors);
        Assert.Empty(KubernetesCel.Evaluate(RootSchema, vm));
        Assert.Empty(Core(vm));
    }

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public void Schema_and_core_reject_on_the_same_field(string name, string spec, string path, Enforcer enforcer)
    {
        var vm = Vm(spec);
        var schemaErrors = CustomResourceSchemaAdmission.Admit(NvmSchema, vm).Errors;
        var coreErrors = Core(vm);
        Assert.True(coreErrors.Any(e => e.Path == path), $"{name}: the validation core did not reject {path}; it said: {string.Join("; ", coreErrors)}");
        if (enforcer == Enforcer.Schema)
        {
            Assert.True(schemaErrors.Any(e => e.Path == path), $"{name}: the schema did not reject {path}; it said: {string.Join("; ", schemaErrors)}");
        }
        else
        {
            Assert.True(schemaErrors.Count == 0, $"{name}: expected only a CEL rule to catch this, but the schema said: {string.Join("; ", schemaErrors)}");
            var failures = KubernetesCel.Evaluate(RootSchema, vm).Where(f => f.Path == path).ToList();
            Assert.True(failures.Count > 0, $"{name}: no CEL rule of the CRD rejected {path}");
            var core = coreErrors.First(e => e.Path == path);
            Assert.Contains(failures, f => (f.Reason ?? "FieldValueInvalid") == core.CauseReason);
        }
    }

    [Fact]
    public void Every_CEL_rule_of_the_CRD_is_exercised_by_the_table()
    {
        var covered = BadSpecs.Select(row => (string)row[2]).ToHashSet(StringComparer.Ordinal);
        var rulePaths = CelRules(RootSchema, string.Empty).Select(r => r.Path).Distinct();
        Assert.All(rulePaths, p => Assert.Contains(p, covered));
    }

    [Theory]
    [InlineData("""{"cpu": {"cores": 1}, "memory": {"size": "1Gi"}, "nodeSelector": {"a b": "v"}}""", "spec.nodeSelector")]
    [InlineData("""{"cpu": {"cores": 2}, "memory": {"size": "1Gi"}, "numa": {"nodes": "1,1", "guestNodes": 2}}""", "spec.numa.guestNodes")]
    public void Rules_left_to_the_core_are_rejected_by_the_core(string spec, string path)
    {
        // Documented in docs/api.md: label keys (a CEL rule over map keys is too costly for the API server's
        // budget) and repeated node ids (CEL counts "1,1" as two) are enforced by the core and the controller only.
        var vm = Vm(spec);
        Assert.Empty(CustomResourceSchemaAdmission.Admit(NvmSchema, vm).Errors);
        Assert.Empty(KubernetesCel.Evaluate(RootSchema, vm));
        Assert.Contains(Core(vm), e => e.Path == path);
    }
}
