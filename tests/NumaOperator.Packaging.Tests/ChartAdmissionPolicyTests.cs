namespace NumaOperator.Packaging.Tests;

/// <summary>The ValidatingAdmissionPolicy that confines each agent to its own node, on or off by vap.enabled.</summary>
public class ChartAdmissionPolicyTests
{
    private const string PolicyName = "numa-numa-operator-agent-own-node";
    private const string NodeNameKey = "authentication.kubernetes.io/node-name";

    [SkippableFact]
    public void Policy_and_binding_are_rendered_by_default_against_the_agent_service_account()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(ChartVariants.Default);

        var policy = chart.Get("ValidatingAdmissionPolicy", PolicyName);
        var binding = chart.Get("ValidatingAdmissionPolicyBinding", PolicyName);
        Assert.Equal("admissionregistration.k8s.io/v1", policy.Scalar("apiVersion"));
        Assert.Equal("admissionregistration.k8s.io/v1", binding.Scalar("apiVersion"));
        Assert.Equal(PolicyName, binding.Scalar("spec", "policyName"));
        Assert.Equal(["Deny"], Yaml.Strings(binding.Root, "spec", "validationActions"));
        Assert.Equal("Fail", policy.Scalar("spec", "failurePolicy"));

        var condition = Yaml.Scalar(Assert.Single(Yaml.Sequence(policy.Root, "spec", "matchConditions")), "expression");
        Assert.Contains($"\"system:serviceaccount:{RenderedChart.Namespace}:numa-numa-operator-agent\"", condition, StringComparison.Ordinal);

        var rule = Assert.Single(Yaml.Sequence(policy.Root, "spec", "matchConstraints", "resourceRules"));
        Assert.Equal(["numaoperator.io"], Yaml.Strings(rule, "apiGroups"));
        Assert.Equal(
            ["numanodetopologies", "numanodetopologies/status", "numavirtualmachines", "numavirtualmachines/status"],
            Yaml.Strings(rule, "resources").Order(StringComparer.Ordinal));
        Assert.Contains("UPDATE", Yaml.Strings(rule, "operations"));
        Assert.Contains("CREATE", Yaml.Strings(rule, "operations"));
    }

    [SkippableFact]
    public void Policy_compares_the_token_node_name_with_the_vm_label_and_topology_name()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var policy = ChartVariants.Render(ChartVariants.Default).Get("ValidatingAdmissionPolicy", PolicyName);

        var variables = Yaml.Sequence(policy.Root, "spec", "variables")
            .ToDictionary(v => Yaml.Scalar(v, "name")!, v => Yaml.Scalar(v, "expression")!, StringComparer.Ordinal);
        Assert.Contains($"request.userInfo.extra['{NodeNameKey}']", variables["nodeName"], StringComparison.Ordinal);
        Assert.Contains("oldObject.metadata.labels['numaoperator.io/node'] == variables.nodeName", variables["oldOnNode"], StringComparison.Ordinal);
        Assert.Contains("object.metadata.labels['numaoperator.io/node'] == variables.nodeName", variables["newOnNode"], StringComparison.Ordinal);

        var validations = Yaml.Sequence(policy.Root, "spec", "validations").Select(v => Yaml.Scalar(v, "expression")!).ToList();
        Assert.Equal(3, validations.Count);
        Assert.Contains(validations, v => v.Contains("variables.nodeName != ''", StringComparison.Ordinal));
        Assert.Contains(validations, v => v.Contains("variables.oldOnNode && variables.newOnNode", StringComparison.Ordinal));
        Assert.Contains(validations, v => v.Contains("variables.objectName == variables.nodeName", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void Policy_is_absent_when_vap_is_disabled()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(ChartVariants.VapOff);

        Assert.Empty(chart.OfKind("ValidatingAdmissionPolicy"));
        Assert.Empty(chart.OfKind("ValidatingAdmissionPolicyBinding"));
        Assert.Single(chart.OfKind("DaemonSet"));
    }

    private const string AgentUser = "system:serviceaccount:" + RenderedChart.Namespace + ":numa-numa-operator-agent";
    private const string ControllerUser = "system:serviceaccount:" + RenderedChart.Namespace + ":numa-numa-operator-controller";

    private static string Vm(string? node) => node is null
        ? """{"metadata":{"name":"db1","namespace":"vms"}}"""
        : $$$"""{"metadata":{"name":"db1","namespace":"vms","labels":{"app":"db","numaoperator.io/node":"{{{node}}}"}},"status":{"phase":"Running"}}""";

    private static string Topology(string name) => $$$"""{"metadata":{"name":"{{{name}}}"},"status":{"numaNodes":[]}}""";

    public static TheoryData<string, AdmissionRequest, string?> Requests => new()
    {
        { "agent patches the status of a VM on its node", new(AgentUser, "n1", "UPDATE", "numavirtualmachines", "status", Vm("n1"), Vm("n1")), null },
        { "agent removes the finalizer of a VM on its node", new(AgentUser, "n1", "UPDATE", "numavirtualmachines", null, Vm("n1"), Vm("n1")), null },
        { "agent patches a VM on another node", new(AgentUser, "n1", "UPDATE", "numavirtualmachines", "status", Vm("n2"), Vm("n2")), "may change only NumaVirtualMachines labelled numaoperator.io/node=n1" },
        { "agent moves another node's VM onto its own", new(AgentUser, "n1", "UPDATE", "numavirtualmachines", null, Vm("n1"), Vm("n2")), "may change only NumaVirtualMachines labelled numaoperator.io/node=n1" },
        { "agent moves its VM to another node", new(AgentUser, "n1", "UPDATE", "numavirtualmachines", null, Vm("n2"), Vm("n1")), "may change only NumaVirtualMachines labelled numaoperator.io/node=n1" },
        { "agent patches an unplaced VM", new(AgentUser, "n1", "UPDATE", "numavirtualmachines", "status", Vm(null), Vm(null)), "may change only NumaVirtualMachines labelled numaoperator.io/node=n1" },
        { "agent creates its own topology", new(AgentUser, "n1", "CREATE", "numanodetopologies", null, Topology("n1"), null), null },
        { "agent updates its own topology status", new(AgentUser, "n1", "UPDATE", "numanodetopologies", "status", Topology("n1"), Topology("n1")), null },
        { "agent creates another node's topology", new(AgentUser, "n1", "CREATE", "numanodetopologies", null, Topology("n2"), null), "may change only the NumaNodeTopology named n1" },
        { "agent updates another node's topology status", new(AgentUser, "n1", "UPDATE", "numanodetopologies", "status", Topology("n2"), Topology("n2")), "may change only the NumaNodeTopology named n1" },
        { "agent deletes another node's topology", new(AgentUser, "n1", "DELETE", "numanodetopologies", null, null, Topology("n2")), "may change only the NumaNodeTopology named n1" },
        { "agent token without a node name", new(AgentUser, null, "UPDATE", "numavirtualmachines", "status", Vm("n1"), Vm("n1")), "carry no node name" },
        { "controller places a VM on any node", new(ControllerUser, null, "UPDATE", "numavirtualmachines", null, Vm("n2"), Vm(null)), null },
        { "controller writes any VM status", new(ControllerUser, null, "UPDATE", "numavirtualmachines", "status", Vm("n2"), Vm("n2")), null },
    };

    [SkippableTheory]
    [MemberData(nameof(Requests))]
    public void Policy_admits_an_agent_only_on_its_own_node(string description, AdmissionRequest request, string? expectedDenial)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var policy = ChartVariants.Render(ChartVariants.Default).Get("ValidatingAdmissionPolicy", PolicyName);

        var denial = new AdmissionPolicySimulator(policy.Root).Evaluate(request);

        if (expectedDenial is null)
        {
            Assert.True(denial is null, $"{description}: denied with '{denial}'");
        }
        else
        {
            Assert.True(denial is not null, $"{description}: allowed");
            Assert.Contains(expectedDenial, denial, StringComparison.Ordinal);
        }
    }
}
