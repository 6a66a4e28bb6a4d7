using System.CommandLine;
using k8s;
using Microsoft.Extensions.Logging;
using NumaOperator.Cli.Hosting;
using NumaOperator.Cli.Standalone;
using NumaOperator.Cli.Telemetry;
using NumaOperator.Controller;
using NumaOperator.Controller.Accounting;
using NumaOperator.Controller.Evacuation;
using NumaOperator.ControllerRuntime;
using NumaOperator.Numa.Placement;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// `numa-operator controller`: the cluster brain. Schedules NumaVirtualMachines onto nodes' NUMA nodes and keeps the
/// placement ledger; with --leader-elect only the replica holding the Lease acts.
/// </summary>
public sealed class ControllerCommand : ICliCommand
{
    public int Order => 10;

    public static readonly TimeSpan MinimumNodeLostAfter = TimeSpan.FromSeconds(45);

    public Command Build()
    {
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "Kubeconfig file; default: in-cluster service account, then $KUBECONFIG or ~/.kube/config" };
        var leaderElect = new Option<bool>("--leader-elect") { Description = "Hold the Lease kube-system/numa-operator-controller (or --lease-namespace) before acting; run several replicas safely" };
        // Defaults come from the environment the Helm chart sets (POD_NAMESPACE, NUMAOPERATOR_*_PORT), so the pod spec needs no flags.
        var leaseNamespace = new Option<string>("--lease-namespace") { Description = "Namespace of the leader election Lease (default: $POD_NAMESPACE, else kube-system)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } ns ? ns : "kube-system" };
        var health = new Option<string?>("--health-listen") { Description = "HttpListener prefix serving /healthz and /readyz, e.g. http://+:8081/ (default: http://+:$NUMAOPERATOR_HEALTH_PORT/ when set, else none)", DefaultValueFactory = _ => ClusterProcess.PrefixFromPort("NUMAOPERATOR_HEALTH_PORT") };
        var metrics = new Option<string?>("--metrics-listen") { Description = "HttpListener prefix serving Prometheus /metrics, e.g. http://+:9464/ (default: http://+:$NUMAOPERATOR_METRICS_PORT/ when set, else none); OTLP export follows OTEL_EXPORTER_OTLP_ENDPOINT", DefaultValueFactory = _ => ClusterProcess.PrefixFromPort("NUMAOPERATOR_METRICS_PORT") };
        var workers = new Option<int>("--workers") { Description = "Reconcile workers, 1 to 64 (default 4)", DefaultValueFactory = _ => 4 };
        var nodeLostAfter = new Option<string>("--node-lost-after") { Description = "A node whose agent has not renewed its heartbeat (every 30s) for this long is lost: its VMs get Ready=Unknown reason NodeLost and Stalled=True until it returns; 45s to 24h (default 90s)", DefaultValueFactory = _ => "90s" };
        var packing = new Option<string>("--packing")
        {
            Description = "How VMs are spread over the nodes that fit: consolidate (default: nodes in use before idle ones, the least allocated of them), pack (MostAllocated), spread (LeastAllocated) or numa-best-fit; docs/architecture.md",
            DefaultValueFactory = _ => PackingPolicies.NameOf(PackingPolicies.Default),
        };
        var placeholderImage = new Option<string>("--placeholder-image")
        {
            Description = "Image of the per-VM placeholder pod that accounts a placed VM's CPUs and hugepages to the kubelet, kube-scheduler and ResourceQuota (default " + PlaceholderPod.DefaultImage + ")",
            DefaultValueFactory = _ => PlaceholderPod.DefaultImage,
        };
        var command = new Command("controller", "Run the scheduling controller: place NumaVirtualMachines on nodes and host NUMA nodes, never double-booked.");
        command.Options.Add(kubeconfig);
        command.Options.Add(leaderElect);
        command.Options.Add(leaseNamespace);
        command.Options.Add(health);
        command.Options.Add(metrics);
        command.Options.Add(workers);
        command.Options.Add(nodeLostAfter);
        command.Options.Add(packing);
        command.Options.Add(placeholderImage);
        var perCluster = new Option<int>("--parallel-migrations-per-cluster")
        {
            Description = $"Node evacuation (numa-operator drain) starts a migration only while fewer than this many run in the cluster, >= 1 (default {EvacuationOptions.DefaultParallelPerCluster}; KubeVirt's default is 5, ours is lower for small hosts)",
            DefaultValueFactory = _ => EvacuationOptions.DefaultParallelPerCluster,
        };
        var perNode = new Option<int>("--parallel-outbound-migrations-per-node")
        {
            Description = $"... and only while fewer than this many leave the same node, >= 1 (default {EvacuationOptions.DefaultParallelOutboundPerNode}; KubeVirt's default is 2)",
            DefaultValueFactory = _ => EvacuationOptions.DefaultParallelOutboundPerNode,
        };
        command.Options.Add(perCluster);
        command.Options.Add(perNode);
        command.SetAction(async (parseResult, ct) =>
        {
            var workerCount = parseResult.GetValue(workers);
            if (workerCount is < 1 or > 64)
            {
                throw new BadInputException($"--workers: {workerCount} is out of range; allowed 1 to 64");
            }

            // At least 1.5 heartbeats, so one late renewal does not mark a healthy node lost.
            var lostAfter = DurationOption.Parse("--node-lost-after", parseResult.GetValue(nodeLostAfter)!, MinimumNodeLostAfter, TimeSpan.FromHours(24));

            var packingName = parseResult.GetValue(packing);
            if (!PackingPolicies.TryParse(packingName, out var packingPolicy))
            {
                throw new BadInputException($"--packing: unsupported value \"{packingName}\"; supported values: {string.Join(", ", PackingPolicies.Names)}");
            }
            var image = parseResult.GetValue(placeholderImage);
            if (string.IsNullOrWhiteSpace(image) || image.Any(char.IsWhiteSpace))
            {
                throw new BadInputException($"--placeholder-image: \"{image}\" is not an image reference (e.g. {PlaceholderPod.DefaultImage})");
            }

            var evacuation = new EvacuationOptions
            {
                ParallelMigrationsPerCluster = parseResult.GetValue(perCluster),
                ParallelOutboundMigrationsPerNode = parseResult.GetValue(perNode),
            };
            if (evacuation.Problem() is { } problem)
            {
                throw new BadInputException(problem);
            }

            var healthPrefix = ClusterProcess.ListenPrefix(parseResult.GetValue(health), "--health-listen", 8081);
            var metricsPrefix = ClusterProcess.ListenPrefix(parseResult.GetValue(metrics), "--metrics-listen", 9464);

            using var client = ClusterProcess.Client(ClusterProcess.LoadConfiguration(parseResult.GetValue(kubeconfig)));
            using var telemetry = TelemetryExport.Start("numa-operator-controller", ControllerTelemetry.Name, metricsPrefix);
            using var loggers = ClusterProcess.ConsoleLoggers();
            var options = new ControllerHostOptions
            {
                HealthPrefix = healthPrefix,
                LeaderElection = parseResult.GetValue(leaderElect)
                    ? new LeaderElectionOptions(parseResult.GetValue(leaseNamespace)!, "numa-operator-controller", Environment.GetEnvironmentVariable("POD_NAME") ?? $"{Environment.MachineName}-{Environment.ProcessId}")
                    : null,
                Scheduling = new() { Workers = workerCount, NodeLostAfter = lostAfter, Packing = packingPolicy, PlaceholderImage = image },
                Evacuation = evacuation,
            };
            await new ControllerHost(client, options, loggers).RunAsync(ct);
            return ExitCodes.Success;
        });
        return command;
    }
}
