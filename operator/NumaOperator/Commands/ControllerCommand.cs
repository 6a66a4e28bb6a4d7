using System.CommandLine;
using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.Logging;
using NumaOperator.Controller;
using NumaOperator.Controller.Runtime;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// `numa-operator controller`: the cluster brain. Schedules NumaVirtualMachines onto nodes' NUMA nodes and keeps the
/// placement ledger; with --leader-elect only the replica holding the Lease acts.
/// </summary>
public sealed class ControllerCommand : ICliCommand
{
    public int Order => 10;

    public Command Build()
    {
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "Kubeconfig file; default: in-cluster service account, then $KUBECONFIG or ~/.kube/config" };
        var leaderElect = new Option<bool>("--leader-elect") { Description = "Hold the Lease kube-system/numa-operator-controller (or --lease-namespace) before acting; run several replicas safely" };
        var leaseNamespace = new Option<string>("--lease-namespace") { Description = "Namespace of the leader election Lease (default: kube-system)", DefaultValueFactory = _ => "kube-system" };
        var health = new Option<string>("--health-listen") { Description = "HttpListener prefix serving /healthz and /readyz, e.g. http://+:8081/ (default: none)" };
        var workers = new Option<int>("--workers") { Description = "Reconcile workers, 1 to 64 (default 4)", DefaultValueFactory = _ => 4 };
        var command = new Command("controller", "Run the scheduling controller: place NumaVirtualMachines on nodes and host NUMA nodes, never double-booked.");
        command.Options.Add(kubeconfig);
        command.Options.Add(leaderElect);
        command.Options.Add(leaseNamespace);
        command.Options.Add(health);
        command.Options.Add(workers);
        command.SetAction(async (parseResult, ct) =>
        {
            var workerCount = parseResult.GetValue(workers);
            if (workerCount is < 1 or > 64)
            {
                throw new BadInputException($"--workers: {workerCount} is out of range; allowed 1 to 64");
            }

            var healthPrefix = parseResult.GetValue(health);
            if (healthPrefix is not null && !(healthPrefix.StartsWith("http://", StringComparison.Ordinal) && healthPrefix.EndsWith('/')))
            {
                throw new BadInputException($"--health-listen: \"{healthPrefix}\" is not an HttpListener prefix; use e.g. http://+:8081/");
            }

            using var client = new Kubernetes(LoadConfiguration(parseResult.GetValue(kubeconfig)));
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            var options = new ControllerHostOptions
            {
                HealthPrefix = healthPrefix,
                LeaderElection = parseResult.GetValue(leaderElect)
                    ? new LeaderElectionOptions(parseResult.GetValue(leaseNamespace)!, "numa-operator-controller", $"{Environment.MachineName}-{Environment.ProcessId}")
                    : null,
                Scheduling = new() { Workers = workerCount },
            };
            await new ControllerHost(client, options, loggers).RunAsync(ct);
            return ExitCodes.Success;
        });
        return command;
    }

    private static KubernetesClientConfiguration LoadConfiguration(string? kubeconfig)
    {
        if (kubeconfig is not null)
        {
            if (!File.Exists(kubeconfig))
            {
                throw new BadInputException($"--kubeconfig: file \"{kubeconfig}\" does not exist");
            }

            return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        }

        try
        {
            return KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildDefaultConfig();
        }
        catch (KubeConfigException e)
        {
            throw new BadInputException($"no cluster to talk to: not in a cluster and no kubeconfig ({e.Message}); pass --kubeconfig FILE");
        }
    }
}
