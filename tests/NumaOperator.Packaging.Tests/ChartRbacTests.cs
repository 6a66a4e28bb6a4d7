namespace NumaOperator.Packaging.Tests;

/// <summary>
/// Least privilege: named verbs and resources only, and exactly the grants each component's code uses (each call
/// named below, so a grant without a caller, like the old `update` verbs, fails), plus the roles VM users get.
/// </summary>
public class ChartRbacTests
{
    private const string Controller = "numa-numa-operator-controller";
    private const string Agent = "numa-numa-operator-agent";

    [SkippableTheory]
    [MemberData(nameof(ChartVariants.Names), MemberType = typeof(ChartVariants))]
    public void No_role_rule_uses_a_wildcard(string variant)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(variant);

        var roles = chart.OfKind("ClusterRole").Concat(chart.OfKind("Role")).ToList();
        Assert.NotEmpty(roles);
        foreach (var role in roles)
        {
            var rules = Yaml.Sequence(role.Root, "rules");
            Assert.NotEmpty(rules);
            foreach (var rule in rules)
            {
                foreach (var field in new[] { "verbs", "resources", "apiGroups", "resourceNames", "nonResourceURLs" })
                {
                    var wildcards = Yaml.Strings(rule, field).Where(v => v.Contains('*', StringComparison.Ordinal)).ToList();
                    Assert.True(wildcards.Count == 0, $"{role} has a wildcard in {field}: {string.Join(", ", wildcards)}");
                }

                Assert.NotEmpty(Yaml.Strings(rule, "verbs"));
                Assert.NotEmpty(Yaml.Strings(rule, "resources"));
            }
        }
    }

    [SkippableFact]
    public void Controller_cluster_role_grants_exactly_scheduling_rights()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(ChartVariants.Default);

        var grants = Grants(chart.Get("ClusterRole", Controller));

        string[] expected =
        [
            "numaoperator.io numavirtualmachines list", "numaoperator.io numavirtualmachines watch", // Informer (CustomResourceApi)
            "numaoperator.io numavirtualmachines get", // CustomResourceWriter.ReadAsync after a 409
            "numaoperator.io numavirtualmachines patch", // CustomResourceWriter.PatchMetadataAsync: node label, finalizer
            "numaoperator.io numavirtualmachines/status patch", // CustomResourceWriter.PatchStatusAsync
            "numaoperator.io numavirtualmachinemigrations list", "numaoperator.io numavirtualmachinemigrations watch", // Informer (MigrationController)
            "numaoperator.io numavirtualmachinemigrations get", // CustomResourceWriter.ReadAsync after a 409
            "numaoperator.io numavirtualmachinemigrations/status patch", // MigrationReconciler: Scheduled, Succeeded, Failed
            "numaoperator.io numanodetopologies list", "numaoperator.io numanodetopologies watch", // Informer
            " nodes list", " nodes watch", // Informer (NodeApi)
            " pods create", " pods delete", // PlaceholderPodWriter
            " pods list", " pods watch", // Informer (PodApi): placeholders and quota usage
            " resourcequotas list", " resourcequotas watch", // Informer (ResourceQuotaApi)
            "numaoperator.io numavirtualmachinemigrations create", // EvacuationReconciler.CreateAsync
            "numaoperator.io numanodetopologies/status patch", // EvacuationReconciler.WriteStatusAsync: status.evacuation
            " events create", " events patch", // EventRecorder (core/v1 only)
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), grants.Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public void Controller_leases_are_granted_only_in_the_release_namespace()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(ChartVariants.Default);

        var role = chart.Get("Role", Controller + "-leader-election");
        Assert.Equal(RenderedChart.Namespace, role.Scalar("metadata", "namespace"));
        Assert.Equal(
            ["coordination.k8s.io leases create", "coordination.k8s.io leases get", "coordination.k8s.io leases update"],
            Grants(role).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Grants(chart.Get("ClusterRole", Controller)), g => g.Contains("leases", StringComparison.Ordinal));

        var binding = chart.Get("RoleBinding", Controller + "-leader-election");
        Assert.Equal(RenderedChart.Namespace, binding.Scalar("metadata", "namespace"));
        AssertBindsServiceAccount(binding, Controller);
    }

    [SkippableFact]
    public void Agent_cluster_role_grants_exactly_node_rights()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(ChartVariants.Default);

        var grants = Grants(chart.Get("ClusterRole", Agent));

        string[] expected =
        [
            "numaoperator.io numavirtualmachines list", "numaoperator.io numavirtualmachines watch", // CustomResourceApi with the node label selector
            "numaoperator.io numavirtualmachines get", // CustomResourceWriter.ReadAsync after a 409
            "numaoperator.io numavirtualmachines/status patch", // VmStatusWriter.WriteAsync
            "numaoperator.io numavirtualmachinemigrations list", "numaoperator.io numavirtualmachinemigrations watch", // migrations from or to this node
            "numaoperator.io numavirtualmachinemigrations get", // read again after a 409
            "numaoperator.io numavirtualmachinemigrations/status patch", // TargetReady, Running (progress), TargetRunning, Failed
            "numaoperator.io numanodetopologies create", // TopologyPublisher.EnsureExistsAsync
            "numaoperator.io numanodetopologies/status patch", // TopologyPublisher: facts and heartbeat
            " events create", " events patch", // EventRecorder (core/v1 only)
            " secrets get", // spec.cloudInit secret references, read when a VM starts
            "authentication.k8s.io tokenreviews create", "authorization.k8s.io subjectaccessreviews create", // ConsoleAccessReview
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), grants.Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public void Each_component_has_its_own_service_account_and_binding()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(ChartVariants.Default);

        Assert.Equal([Agent, Controller], chart.OfKind("ServiceAccount").Select(s => s.Name).Order(StringComparer.Ordinal));
        AssertBindsServiceAccount(chart.Get("ClusterRoleBinding", Controller), Controller);
        AssertBindsServiceAccount(chart.Get("ClusterRoleBinding", Agent), Agent);
        Assert.Equal(Controller, chart.Get("ClusterRoleBinding", Controller).Scalar("roleRef", "name"));
        Assert.Equal(Agent, chart.Get("ClusterRoleBinding", Agent).Scalar("roleRef", "name"));
        Assert.Equal(Controller, chart.ControllerDeployment.Scalar("spec", "template", "spec", "serviceAccountName"));
        Assert.Equal(Agent, chart.AgentDaemonSet.Scalar("spec", "template", "spec", "serviceAccountName"));
    }

    [SkippableFact]
    public void Vm_users_get_view_and_edit_rights_through_the_built_in_roles()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(ChartVariants.Default);

        var view = chart.Get("ClusterRole", "numa-numa-operator-vm-view");
        var edit = chart.Get("ClusterRole", "numa-numa-operator-vm-edit");
        Assert.Equal(
            ["numaoperator.io numavirtualmachinemigrations get", "numaoperator.io numavirtualmachinemigrations list", "numaoperator.io numavirtualmachinemigrations watch",
             "numaoperator.io numavirtualmachines get", "numaoperator.io numavirtualmachines list", "numaoperator.io numavirtualmachines watch",
             "numaoperator.io numavirtualmachines/log get"],
            Grants(view).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["numaoperator.io numavirtualmachinemigrations create", "numaoperator.io numavirtualmachinemigrations delete",
             "numaoperator.io numavirtualmachines create", "numaoperator.io numavirtualmachines delete", "numaoperator.io numavirtualmachines deletecollection",
             "numaoperator.io numavirtualmachines patch", "numaoperator.io numavirtualmachines update", "numaoperator.io numavirtualmachines/console get"],
            Grants(edit).Order(StringComparer.Ordinal));
        Assert.Equal(["admin", "edit", "view"], AggregatedInto(view));
        Assert.Equal(["admin", "edit"], AggregatedInto(edit));
        Assert.DoesNotContain(Grants(view).Concat(Grants(edit)), g => g.Contains("/status", StringComparison.Ordinal));
        Assert.DoesNotContain(Grants(view), g => g.Contains("/console", StringComparison.Ordinal)); // input to the guest: edit, like pods/exec

        Assert.DoesNotContain(RenderedChart.Render("--set", "vmUserRoles.enabled=false").OfKind("ClusterRole"), r => r.Name.Contains("-vm-", StringComparison.Ordinal));
    }

    private static List<string> AggregatedInto(Manifest role) =>
        ((YamlDotNet.RepresentationModel.YamlMappingNode)role.Find("metadata", "labels")!).Children
            .Select(kv => (Key: ((YamlDotNet.RepresentationModel.YamlScalarNode)kv.Key).Value!, Value: (kv.Value as YamlDotNet.RepresentationModel.YamlScalarNode)?.Value))
            .Where(kv => kv.Key.StartsWith("rbac.authorization.k8s.io/aggregate-to-", StringComparison.Ordinal) && kv.Value == "true")
            .Select(kv => kv.Key["rbac.authorization.k8s.io/aggregate-to-".Length..])
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>"group resource verb" for every combination a role's rules grant.</summary>
    private static List<string> Grants(Manifest role) =>
        (from rule in Yaml.Sequence(role.Root, "rules")
         from apiGroup in Yaml.Strings(rule, "apiGroups")
         from resource in Yaml.Strings(rule, "resources")
         from verb in Yaml.Strings(rule, "verbs")
         select $"{apiGroup} {resource} {verb}").ToList();

    private static void AssertBindsServiceAccount(Manifest binding, string serviceAccount)
    {
        var subject = Assert.Single(Yaml.Sequence(binding.Root, "subjects"));
        Assert.Equal("ServiceAccount", Yaml.Scalar(subject, "kind"));
        Assert.Equal(serviceAccount, Yaml.Scalar(subject, "name"));
        Assert.Equal(RenderedChart.Namespace, Yaml.Scalar(subject, "namespace"));
    }
}
