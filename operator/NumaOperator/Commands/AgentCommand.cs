using System.CommandLine;
using System.Runtime.InteropServices;
using k8s;
using Microsoft.Extensions.Logging;
using NumaOperator.Agent;
using NumaOperator.Agent.Launch;
using NumaOperator.Agent.SerialConsole;
using NumaOperator.Cli.Hosting;
using NumaOperator.Cli.Standalone;
using NumaOperator.Cli.Telemetry;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// `numa-operator agent --node-name N`: the node's hands (a privileged DaemonSet pod). Publishes the node's
/// NumaNodeTopology, runs the QEMU of every VM placed on the node, measures where their memory is. Stopping the
/// agent leaves the VMs running; the next agent adopts them.
/// </summary>
public sealed class AgentCommand : ICliCommand
{
    public int Order => 15;

    public Command Build()
    {
        var nodeName = new Option<string?>("--node-name") { Description = "This Kubernetes node's name: the NumaNodeTopology it publishes and the numaoperator.io/node label of its VMs (default: $NODE_NAME)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NODE_NAME") };
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "Kubeconfig file; default: in-cluster service account, then $KUBECONFIG or ~/.kube/config" };
        var stateDir = new Option<string>("--state-dir") { Description = $"Agent state; each VM's QMP socket, pid file, serial log and lock live in STATE/vms/UID (default {AgentOptions.DefaultStateDirectory}); keep it short: a socket path has at most 107 bytes", DefaultValueFactory = _ => AgentOptions.DefaultStateDirectory };
        var imageRoot = new Option<string>("--image-root") { Description = $"Directory spec.boot files resolve under, never outside (default {ImageRoot.DefaultPath})", DefaultValueFactory = _ => ImageRoot.DefaultPath };
        var imageAccess = new Option<string[]>(ImageAccess.FlagName) { Description = $"Which namespaces may boot which files of the image root, repeatable: {ImageAccess.RuleForm}. Default: every namespace, every file", AllowMultipleArgumentsPerToken = false };
        var strategy = new Option<string>("--launch-strategy") { Description = $"How QEMU is started so it outlives the agent: {string.Join(" | ", LaunchStrategies.Names)} (default direct; systemd-run in a pod, see docs/architecture.md)", DefaultValueFactory = _ => "direct" };
        var sample = new Option<string>("--sample-interval") { Description = "How often each running VM's numa_maps is read (default 15s)", DefaultValueFactory = _ => "15s" };
        var health = new Option<string?>("--health-listen") { Description = "HttpListener prefix serving /healthz and /readyz, e.g. http://+:8081/ (default: http://+:$NUMAOPERATOR_HEALTH_PORT/ when set, else none)", DefaultValueFactory = _ => ClusterProcess.PrefixFromPort("NUMAOPERATOR_HEALTH_PORT") };
        var metrics = new Option<string?>("--metrics-listen") { Description = "HttpListener prefix serving Prometheus /metrics, e.g. http://+:9464/ (default: http://+:$NUMAOPERATOR_METRICS_PORT/ when set, else none); OTLP export follows OTEL_EXPORTER_OTLP_ENDPOINT", DefaultValueFactory = _ => ClusterProcess.PrefixFromPort("NUMAOPERATOR_METRICS_PORT") };
        var sysfsRoot = new Option<string>("--sysfs-root") { Description = "Root under which sys/devices/system/node is read (tests)", DefaultValueFactory = _ => "/", Hidden = true };
        var qemu = new Option<string>("--qemu") { Description = "QEMU executable", DefaultValueFactory = _ => QemuBinary.DefaultPath, Hidden = true };
        var omitBinding = new Option<bool>("--omit-binding-for-test") { Description = "Test only: launch without host-nodes/policy in the memory backends (the NUMA lab's control run)", Hidden = true };
        var consoleListen = new Option<string>("--console-listen") { Description = "IP:PORT of the HTTPS endpoint serving VM serial consoles and logs to `numa-operator console`/`logs` (callers authorized by the API server: TokenReview + SubjectAccessReview), or none (default 0.0.0.0:10260)", DefaultValueFactory = _ => "0.0.0.0:10260" };
        var consoleAdvertise = new Option<string?>("--console-advertise") { Description = "Host or IP clients reach the console endpoint at, published in NumaNodeTopology status.console.url (default: $NODE_IP, else the --console-listen address)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NODE_IP") };
        var serialLogMax = new Option<long>("--serial-log-max-bytes") { Description = $"A VM's serial log past this size is rotated: its newest part kept in serial.log.1 (default {SerialLogBound.DefaultMaxBytes})", DefaultValueFactory = _ => SerialLogBound.DefaultMaxBytes };
        serialLogMax.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long>() < 4096)
            {
                r.AddError("--serial-log-max-bytes: must be at least 4096");
            }
        });
        var qemuUser = QemuUserOption.Create();
        var forceTcg = AcceleratorOptions.ForceTcg();
        var bootProbeKernel = AcceleratorOptions.BootProbeKernel();

        var command = new Command("agent", "Run the node agent: publish this node's NUMA topology, run the QEMU of the VMs placed here, measure where their memory is.");
        var migrationAddress = new Option<string?>("--migration-address") { Description = "Host or IP other nodes reach this node's incoming QEMU at in a live migration (status.targetAddress; plain TCP) (default: the console's advertised address, else its listen address, else the host name)" };
        foreach (var option in new Option[] { nodeName, kubeconfig, stateDir, imageRoot, imageAccess, strategy, sample, health, metrics, sysfsRoot, qemu, omitBinding, qemuUser, forceTcg, bootProbeKernel, consoleListen, consoleAdvertise, migrationAddress, serialLogMax })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, ct) =>
        {
            var node = parseResult.GetValue(nodeName);
            if (string.IsNullOrWhiteSpace(node))
            {
                throw new BadInputException("--node-name: required (or set $NODE_NAME): the Kubernetes node this agent serves");
            }

            var strategyName = parseResult.GetValue(strategy)!;
            var launch = LaunchStrategies.ByName(strategyName)
                ?? throw new BadInputException($"--launch-strategy: \"{strategyName}\" is not a launch strategy; allowed: {string.Join(", ", LaunchStrategies.Names)}");
            var sampleText = parseResult.GetValue(sample)!;
            if (!DurationText.TryParse(sampleText, out var sampleInterval))
            {
                throw new BadInputException($"--sample-interval: \"{sampleText}\" is not {DurationText.Allowed}");
            }

            var access = ImageAccess.Parse(parseResult.GetValue(imageAccess) ?? [], out var accessProblems);
            if (accessProblems.Count > 0)
            {
                throw new BadInputException(string.Join("; ", accessProblems));
            }

            var runAs = QemuUserOption.Parse(parseResult.GetValue(qemuUser));
            var healthPrefix = ClusterProcess.ListenPrefix(parseResult.GetValue(health), "--health-listen", 8081);
            var metricsPrefix = ClusterProcess.ListenPrefix(parseResult.GetValue(metrics), "--metrics-listen", 9464);
            var options = new AgentOptions
            {
                NodeName = node,
                StateDirectory = Path.GetFullPath(parseResult.GetValue(stateDir)!),
                ImageRoot = Path.GetFullPath(parseResult.GetValue(imageRoot)!),
                ImageAccess = access,
                SysfsRoot = parseResult.GetValue(sysfsRoot)!,
                QemuPath = parseResult.GetValue(qemu)!,
                QemuUser = runAs,
                LaunchStrategy = launch,
                SampleInterval = sampleInterval,
                OmitBindingForTest = parseResult.GetValue(omitBinding),
                ForceEmulation = parseResult.GetValue(forceTcg),
                BootProbeKernel = AcceleratorOptions.ParseBootProbeKernel(parseResult.GetValue(bootProbeKernel)),
                HealthPrefix = healthPrefix,
                ConsoleListen = parseResult.GetValue(consoleListen) is "none" ? null : ListenAddress.Parse(parseResult.GetValue(consoleListen)!, "--console-listen").EndPoint,
                ConsoleAdvertiseAddress = parseResult.GetValue(consoleAdvertise) is { Length: > 0 } advertise ? advertise : null,
                MigrationAdvertiseAddress = parseResult.GetValue(migrationAddress) is { Length: > 0 } migrationHost ? migrationHost : null,
                SerialLogMaxBytes = parseResult.GetValue(serialLogMax),
            };

            using var client = ClusterProcess.Client(ClusterProcess.LoadConfiguration(parseResult.GetValue(kubeconfig)));
            using var telemetry = TelemetryExport.Start("numa-operator-agent", AgentTelemetry.Name, metricsPrefix);
            // Reconcile spans and work-queue metrics come from the shared runtime's source; OTLP only (one /metrics listener).
            using var runtimeTelemetry = TelemetryExport.Start("numa-operator-agent", ControllerRuntime.ReconcileTelemetry.Name, null);
            using var loggers = ClusterProcess.ConsoleLoggers();
            if (runAs is null)
            {
                loggers.CreateLogger("agent").LogWarning(QemuUserOption.RootWarning);
            }

            // SIGTERM (what Kubernetes sends) cancels ct like Ctrl-C (Program.cs): QMP closed, locks released, VMs left running.
            await new AgentHost(client, options, loggers).RunAsync(ct);
            return ExitCodes.Success;
        });
        return command;
    }
}
