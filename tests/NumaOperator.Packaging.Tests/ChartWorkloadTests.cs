using YamlDotNet.RepresentationModel;

namespace NumaOperator.Packaging.Tests;

/// <summary>The controller Deployment, its PodDisruptionBudget and the agent DaemonSet as rendered.</summary>
public class ChartWorkloadTests
{
    [SkippableTheory]
    [MemberData(nameof(ChartVariants.Names), MemberType = typeof(ChartVariants))]
    public void Every_container_has_resources_and_a_security_context(string variant)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(variant);

        var workloads = chart.Objects.Where(o => Yaml.Find(o.Root, "spec", "template", "spec") is not null).ToList();
        Assert.Equal(2, workloads.Count);
        foreach (var workload in workloads)
        {
            var containers = RenderedChart.Containers(workload);
            Assert.NotEmpty(containers);
            foreach (var container in containers)
            {
                var where = $"{workload} container {Yaml.Scalar(container, "name")}";
                Assert.True(Yaml.Find(container, "resources", "requests") is YamlMappingNode { Children.Count: > 0 }, $"{where}: no resource requests");
                Assert.True(Yaml.Find(container, "resources", "limits", "memory") is YamlScalarNode, $"{where}: no memory limit");
                Assert.True(Yaml.Find(container, "securityContext") is YamlMappingNode { Children.Count: > 0 }, $"{where}: no securityContext");
            }
        }
    }

    [SkippableFact]
    public void Controller_runs_two_leader_elected_replicas_non_root_on_a_read_only_root()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var deployment = ChartVariants.Render(ChartVariants.Default).ControllerDeployment;

        Assert.Equal(2, RenderedChart.Number(deployment.Root, "spec", "replicas"));
        var container = Assert.Single(RenderedChart.Containers(deployment));
        Assert.Equal(["controller", "--leader-elect", "--node-lost-after", "90s", "--packing=consolidate", "--placeholder-image=registry.k8s.io/pause:3.10",
            "--parallel-migrations-per-cluster=2", "--parallel-outbound-migrations-per-node=1"], Yaml.Strings(container, "args"));

        var pod = Yaml.Find(deployment.Root, "spec", "template", "spec")!;
        Assert.True(Yaml.IsTrue(pod, "securityContext", "runAsNonRoot"));
        Assert.NotEqual("0", Yaml.Scalar(pod, "securityContext", "runAsUser"));
        Assert.Equal("RuntimeDefault", Yaml.Scalar(pod, "securityContext", "seccompProfile", "type"));
        Assert.Null(Yaml.Scalar(pod, "hostPID"));
        Assert.DoesNotContain(Yaml.Sequence(pod, "volumes"), v => Yaml.Find(v, "hostPath") is not null);

        Assert.True(Yaml.IsTrue(container, "securityContext", "runAsNonRoot"));
        Assert.True(Yaml.IsTrue(container, "securityContext", "readOnlyRootFilesystem"));
        Assert.Equal("false", Yaml.Scalar(container, "securityContext", "allowPrivilegeEscalation"));
        Assert.Equal(["ALL"], Yaml.Strings(container, "securityContext", "capabilities", "drop"));
        Assert.Empty(Yaml.Strings(container, "securityContext", "capabilities", "add"));
        Assert.Equal("RuntimeDefault", Yaml.Scalar(container, "securityContext", "seccompProfile", "type"));
        Assert.Null(Yaml.Scalar(container, "securityContext", "privileged"));
    }

    [SkippableTheory]
    [InlineData("controller")]
    [InlineData("agent")]
    public void Probes_use_healthz_and_readyz_on_the_named_health_port_the_command_reads_from_the_environment(string component)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(ChartVariants.Default);
        var container = Assert.Single(RenderedChart.Containers(component == "agent" ? chart.AgentDaemonSet : chart.ControllerDeployment));

        var portNames = Yaml.Sequence(container, "ports").Select(p => Yaml.Scalar(p, "name")).ToList();
        Assert.Equal("/healthz", Yaml.Scalar(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal("/readyz", Yaml.Scalar(container, "readinessProbe", "httpGet", "path"));
        foreach (var probe in new[] { "livenessProbe", "readinessProbe" })
        {
            var port = Yaml.Scalar(container, probe, "httpGet", "port");
            Assert.False(int.TryParse(port, out _), $"{probe} uses port {port}, not a named port");
            Assert.Contains(port, portNames);
        }

        // `numa-operator controller|agent` take --health-listen and --metrics-listen defaults from these variables.
        var environment = RenderedChart.Environment(container);
        var healthPort = Yaml.Sequence(container, "ports").Single(p => Yaml.Scalar(p, "name") == "health");
        Assert.Equal(Yaml.Scalar(healthPort, "containerPort"), environment["NUMAOPERATOR_HEALTH_PORT"]);
        var metricsPort = Yaml.Sequence(container, "ports").Single(p => Yaml.Scalar(p, "name") == "metrics");
        Assert.Equal(Yaml.Scalar(metricsPort, "containerPort"), environment["NUMAOPERATOR_METRICS_PORT"]);
    }

    [SkippableFact]
    public void The_agent_health_port_is_a_value()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = RenderedChart.Render(["--set", "agent.healthPort=9091"]);
        var container = Assert.Single(RenderedChart.Containers(chart.AgentDaemonSet));

        Assert.Equal("9091", RenderedChart.Environment(container)["NUMAOPERATOR_HEALTH_PORT"]);
        Assert.Equal("9091", Yaml.Scalar(Yaml.Sequence(container, "ports").Single(p => Yaml.Scalar(p, "name") == "health"), "containerPort"));
    }

    [SkippableFact]
    public void Pod_disruption_budget_keeps_one_controller_and_selects_its_pods()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(ChartVariants.Default);

        var budget = Assert.Single(chart.OfKind("PodDisruptionBudget"));
        Assert.Equal("1", budget.Scalar("spec", "minAvailable"));
        var selector = (YamlMappingNode)budget.Find("spec", "selector", "matchLabels")!;
        var podLabels = (YamlMappingNode)chart.ControllerDeployment.Find("spec", "template", "metadata", "labels")!;
        foreach (var (key, value) in selector.Children)
        {
            Assert.Equal(value, podLabels.Children[key]);
        }

        Assert.Equal("controller", Yaml.Scalar(selector, "app.kubernetes.io/component"));
    }

    [SkippableFact]
    public void A_single_controller_replica_gets_no_disruption_budget_that_would_block_node_drains()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);

        Assert.Empty(RenderedChart.Render("--set", "controller.replicas=1").OfKind("PodDisruptionBudget"));
        Assert.Single(RenderedChart.Render("--set", "controller.replicas=3").OfKind("PodDisruptionBudget"));

        var blocking = RenderedChart.Template("--set", "controller.replicas=2", "--set", "controller.podDisruptionBudget.minAvailable=2");
        Assert.NotEqual(0, blocking.ExitCode);
        Assert.Contains("controller.podDisruptionBudget.minAvailable (2) must be below controller.replicas (2)", blocking.StandardError, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void The_node_lost_threshold_reaches_the_controller_as_its_flag()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);

        var args = Yaml.Strings(RenderedChart.Containers(RenderedChart.Render("--set", "controller.nodeLostAfter=2m").ControllerDeployment)[0], "args");
        Assert.Equal("2m", args[args.ToList().IndexOf("--node-lost-after") + 1]);
        var defaults = Yaml.Strings(RenderedChart.Containers(ChartVariants.Render(ChartVariants.Default).ControllerDeployment)[0], "args");
        Assert.Equal("90s", defaults[defaults.ToList().IndexOf("--node-lost-after") + 1]);
    }

    [SkippableFact]
    public void Agent_daemonset_serves_its_node_with_host_pid_and_rolls_one_node_at_a_time()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var daemonSet = ChartVariants.Render(ChartVariants.Default).AgentDaemonSet;
        var pod = Yaml.Find(daemonSet.Root, "spec", "template", "spec")!;
        var container = Assert.Single(RenderedChart.Containers(daemonSet));

        Assert.True(Yaml.IsTrue(pod, "hostPID"));
        Assert.Null(Yaml.Scalar(pod, "hostNetwork"));
        Assert.Equal("system-node-critical", Yaml.Scalar(pod, "priorityClassName"));
        Assert.Equal("RollingUpdate", daemonSet.Scalar("spec", "updateStrategy", "type"));
        Assert.Equal("1", daemonSet.Scalar("spec", "updateStrategy", "rollingUpdate", "maxUnavailable"));
        Assert.NotEmpty(((YamlMappingNode)Yaml.Find(pod, "nodeSelector")!).Children);
        Assert.NotEmpty(Yaml.Sequence(pod, "tolerations"));

        var nodeName = Yaml.Sequence(container, "env").Single(e => Yaml.Scalar(e, "name") == "NODE_NAME");
        Assert.Equal("spec.nodeName", Yaml.Scalar(nodeName, "valueFrom", "fieldRef", "fieldPath"));
        var args = Yaml.Strings(container, "args");
        Assert.Equal(
            ["agent", "--node-name", "$(NODE_NAME)", "--state-dir", "/var/lib/numa-operator", "--image-root", "/var/lib/numa-operator/images", "--launch-strategy", "systemd-run", "--qemu-user", "65531:65531", "--console-listen", "0.0.0.0:10260"],
            args);
        var nodeIp = Yaml.Sequence(container, "env").Single(e => Yaml.Scalar(e, "name") == "NODE_IP");
        Assert.Equal("status.hostIP", Yaml.Scalar(nodeIp, "valueFrom", "fieldRef", "fieldPath"));
        var console = Yaml.Sequence(container, "ports").Single(p => Yaml.Scalar(p, "name") == "console");
        Assert.Equal(["10260", "10260"], [Yaml.Scalar(console, "containerPort")!, Yaml.Scalar(console, "hostPort")!]);
        Assert.True(Yaml.IsTrue(container, "securityContext", "readOnlyRootFilesystem"));
    }

    [SkippableFact]
    public void Agent_priority_class_is_overridable()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var daemonSet = ChartVariants.Render(ChartVariants.GiganticPages).AgentDaemonSet;

        Assert.Equal("vm-hosts", daemonSet.Scalar("spec", "template", "spec", "priorityClassName"));
    }

    [SkippableFact]
    public void Agent_mounts_exactly_the_documented_host_paths()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var documented = DocumentedHostPaths.Read();

        var mounted = HostMounts(ChartVariants.Render(ChartVariants.Default).AgentDaemonSet);

        Assert.Equal(documented.Keys.Order(StringComparer.Ordinal), mounted.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, readOnly) in documented)
        {
            Assert.True(readOnly == mounted[path], $"{path}: docs/install.md says read-only={readOnly}, the chart mounts read-only={mounted[path]}");
        }
    }

    [SkippableFact]
    public void Agent_mounts_extra_hugetlbfs_and_drops_kvm_when_asked()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var expected = DocumentedHostPaths.Read().Keys.Where(p => p != "/dev/kvm").Append("/mnt/huge-1G");

        var mounted = HostMounts(ChartVariants.Render(ChartVariants.GiganticPages).AgentDaemonSet);

        Assert.Equal(expected.Order(StringComparer.Ordinal), mounted.Keys.Order(StringComparer.Ordinal));
        Assert.False(mounted["/mnt/huge-1G"], "QEMU creates its guest RAM files in the hugetlbfs: it must be writable");
    }

    [SkippableFact]
    public void Every_agent_privilege_in_the_template_is_commented()
    {
        var template = File.ReadAllLines(Path.Combine(RenderedChart.ChartDirectory, "templates", "agent-daemonset.yaml"));

        string[] privileges = ["hostPID: true", "privileged: true", "runAsUser: 0", "- name: sys", "- name: cgroup", "- name: dev-kvm", "- name: hugetlbfs-", "- name: state", "- name: images"];
        foreach (var privilege in privileges)
        {
            // The first occurrence (the container's field or volumeMount) must follow a comment line, skipping template-only lines.
            var index = Array.FindIndex(template, l => l.TrimStart().StartsWith(privilege, StringComparison.Ordinal));
            Assert.True(index > 0, $"agent-daemonset.yaml has no '{privilege}'");
            var previous = index - 1;
            while (previous > 0 && template[previous].TrimStart().StartsWith("{{", StringComparison.Ordinal))
            {
                previous--;
            }

            Assert.True(template[previous].TrimStart().StartsWith('#'), $"'{privilege}' in agent-daemonset.yaml is not preceded by a comment saying why");
        }
    }

    [SkippableFact]
    public void Default_logs_are_json_and_no_otel_variables_are_set()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(ChartVariants.Default);

        foreach (var workload in new[] { chart.ControllerDeployment, chart.AgentDaemonSet })
        {
            var environment = RenderedChart.Environment(Assert.Single(RenderedChart.Containers(workload)));
            Assert.Equal("json", environment["Logging__Console__FormatterName"]);
            Assert.DoesNotContain(environment.Keys, k => k.StartsWith("OTEL_", StringComparison.Ordinal));
        }
    }

    [SkippableFact]
    public void Otlp_settings_reach_both_components_as_standard_variables()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = ChartVariants.Render(ChartVariants.Otlp);

        foreach (var (workload, component) in new[] { (chart.ControllerDeployment, "controller"), (chart.AgentDaemonSet, "agent") })
        {
            var environment = RenderedChart.Environment(Assert.Single(RenderedChart.Containers(workload)));
            Assert.Equal("http://otel-collector.observability:4317", environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal("grpc", environment["OTEL_EXPORTER_OTLP_PROTOCOL"]);
            Assert.Equal($"numa-operator-{component}", environment["OTEL_SERVICE_NAME"]);
            var attributes = environment["OTEL_RESOURCE_ATTRIBUTES"].Split(',');
            Assert.Contains("deployment.environment=prod", attributes);
            Assert.Contains($"k8s.namespace.name={RenderedChart.Namespace}", attributes);
        }
    }

    [SkippableFact]
    public void Metrics_service_selects_both_components_and_service_monitor_is_optional()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var plain = ChartVariants.Render(ChartVariants.Default);
        var monitored = ChartVariants.Render(ChartVariants.ServiceMonitor);

        var service = Assert.Single(plain.OfKind("Service"));
        Assert.Null(service.Scalar("spec", "selector", "app.kubernetes.io/component"));
        Assert.Equal("metrics", Yaml.Scalar(Assert.Single(Yaml.Sequence(service.Root, "spec", "ports")), "targetPort"));
        foreach (var workload in new[] { plain.ControllerDeployment, plain.AgentDaemonSet })
        {
            var container = Assert.Single(RenderedChart.Containers(workload));
            Assert.Contains(Yaml.Sequence(container, "ports"), p => Yaml.Scalar(p, "name") == "metrics");
        }

        Assert.Empty(plain.OfKind("ServiceMonitor"));
        var monitor = Assert.Single(monitored.OfKind("ServiceMonitor"));
        Assert.Equal("metrics", Yaml.Scalar(Assert.Single(Yaml.Sequence(monitor.Root, "spec", "endpoints")), "port"));
        Assert.Equal("prometheus", monitor.Scalar("metadata", "labels", "release"));
    }

    /// <summary>hostPath → read-only, checking each is mounted at the same path inside the container.</summary>
    private static Dictionary<string, bool> HostMounts(Manifest daemonSet)
    {
        var pod = Yaml.Find(daemonSet.Root, "spec", "template", "spec")!;
        var container = Assert.Single(RenderedChart.Containers(daemonSet));
        var mounts = Yaml.Sequence(container, "volumeMounts").ToDictionary(m => Yaml.Scalar(m, "name")!, StringComparer.Ordinal);
        var result = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var volume in Yaml.Sequence(pod, "volumes"))
        {
            var hostPath = Yaml.Scalar(volume, "hostPath", "path");
            if (hostPath is null)
            {
                continue;
            }

            var mount = mounts[Yaml.Scalar(volume, "name")!];
            Assert.Equal(hostPath, Yaml.Scalar(mount, "mountPath"));
            result.Add(hostPath, Yaml.IsTrue(mount, "readOnly"));
        }

        return result;
    }
}
