using System.CommandLine;
using System.Runtime.InteropServices;
using NumaOperator.Cli.Rendering;
using NumaOperator.Cli.Standalone;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// `numa-operator standalone`: the embedded API server, the controller and this host's agent in one process, with a
/// kubeconfig for kubectl, --apply for manifests and a live table of VMs. Exit 0 on Ctrl+C (or every VM Ready with
/// --exit-when-ready), 1 when a VM fails or the timeout passes, 2 on bad input.
/// </summary>
public sealed class StandaloneCommand : ICliCommand
{
    public int Order => 30;

    public Command Build()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "SQLite datastore, API token, agent state and log", DefaultValueFactory = _ => StandaloneOptions.DefaultDataDir };
        var listen = new Option<string>(ListenAddress.Option) { Description = "API server address IP:PORT (HTTPS, bearer token); port 0 picks a free one", DefaultValueFactory = _ => "127.0.0.1:0" };
        var kubeconfig = new Option<string?>("--kubeconfig-out") { Description = "Where to write the kubeconfig for kubectl (mode 0600); default DATA-DIR/kubeconfig" };
        var apply = new Option<string[]>(ManifestApplier.Option) { Description = "Manifest file or directory to create or update, like kubectl apply (repeatable)", AllowMultipleArgumentsPerToken = false, Arity = ArgumentArity.OneOrMore };
        var hugepages = new Option<string[]>(HugepageRequest.Option) { Description = "SIZE:COUNT (2Mi or 1Gi): as root, make sure every host NUMA node has COUNT free pages and hugetlbfs is mounted; given back on exit when no VM runs (repeatable)", Arity = ArgumentArity.OneOrMore };
        var nodeName = new Option<string?>("--node-name") { Description = "This host's Kubernetes node name (default: the host name in lower case)" };
        var imageRoot = new Option<string>("--image-root") { Description = "Directory spec.boot files resolve under", DefaultValueFactory = _ => ImageRoot.DefaultPath };
        var exitWhenReady = new Option<bool>("--exit-when-ready") { Description = "Exit once every applied VM is Ready (0), or one failed or --timeout passed (1), printing placement and measured numastat" };
        var stopVms = new Option<bool>("--stop-vms-on-exit") { Description = "On exit, set spec.running=false on this host's VMs and wait until they are stopped (default: they keep running and are adopted next time)" };
        var timeout = new Option<string>("--timeout") { Description = "With --exit-when-ready: how long to wait, e.g. 90s, 5m", DefaultValueFactory = _ => "5m" };
        var stopGrace = new Option<string>("--stop-grace") { Description = "How long a stopped VM gets to power down (ACPI) before QEMU quits; a VM without an OS (no spec.boot) never answers, so short is fine there", DefaultValueFactory = _ => "30s" };
        var omitBinding = new Option<bool>("--omit-binding-for-test") { Description = "Test only: launch without host-nodes/policy in the memory backends", Hidden = true };
        var qemu = new Option<string>("--qemu") { Description = "QEMU executable", DefaultValueFactory = _ => QemuBinary.DefaultPath, Hidden = true };
        var qemuUser = QemuUserOption.Create();
        var forceTcg = AcceleratorOptions.ForceTcg();
        var bootProbeKernel = AcceleratorOptions.BootProbeKernel();
        var sampleInterval = new Option<string>("--sample-interval") { Description = "How often the agent reads each VM's numa_maps", DefaultValueFactory = _ => "15s", Hidden = true };

        var command = new Command("standalone", "Run the API server, controller and agent for this one host; kubectl works against it with the written kubeconfig.");
        foreach (var option in new Option[] { dataDir, listen, kubeconfig, apply, hugepages, nodeName, imageRoot, exitWhenReady, stopVms, timeout, stopGrace, omitBinding, qemu, qemuUser, forceTcg, bootProbeKernel, sampleInterval })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, ct) =>
        {
            var data = parseResult.GetValue(dataDir) ?? StandaloneOptions.DefaultDataDir;
            var node = parseResult.GetValue(nodeName) ?? NodeRegistration.DefaultNodeName();
            NodeRegistration.Validate(node);
            var runAs = QemuUserOption.Parse(parseResult.GetValue(qemuUser));
            var options = new StandaloneOptions
            {
                DataDir = Path.GetFullPath(data),
                Listen = ListenAddress.Parse(parseResult.GetValue(listen) ?? "127.0.0.1:0"),
                KubeconfigOut = parseResult.GetValue(kubeconfig) ?? Path.Combine(data, "kubeconfig"),
                ApplyFiles = ManifestApplier.ExpandPaths(parseResult.GetValue(apply) ?? []),
                Hugepages = HugepageRequest.Merge((parseResult.GetValue(hugepages) ?? []).Select(HugepageRequest.Parse)),
                NodeName = node,
                ImageRoot = parseResult.GetValue(imageRoot) ?? ImageRoot.DefaultPath,
                ExitWhenReady = parseResult.GetValue(exitWhenReady),
                StopVmsOnExit = parseResult.GetValue(stopVms),
                Timeout = DurationOption.Parse("--timeout", parseResult.GetValue(timeout) ?? "5m", TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)),
                OmitBindingForTest = parseResult.GetValue(omitBinding),
                QemuPath = parseResult.GetValue(qemu) ?? QemuBinary.DefaultPath,
                QemuUser = runAs,
                ForceEmulation = parseResult.GetValue(forceTcg),
                BootProbeKernel = AcceleratorOptions.ParseBootProbeKernel(parseResult.GetValue(bootProbeKernel)),
                StopGrace = DurationOption.Parse("--stop-grace", parseResult.GetValue(stopGrace) ?? "30s", TimeSpan.Zero, TimeSpan.FromMinutes(30)),
                SampleInterval = DurationOption.Parse("--sample-interval", parseResult.GetValue(sampleInterval) ?? "15s", TimeSpan.FromMilliseconds(200), TimeSpan.FromHours(1)),
            };
            var live = !Console.IsOutputRedirected;
            if (runAs is null)
            {
                await Console.Error.WriteLineAsync("warning: " + QemuUserOption.RootWarning);
            }

            // Ctrl+C and SIGTERM cancel ct (Program.cs) and start an orderly exit: final report, --stop-vms-on-exit, hugepages back.
            return await new StandaloneHost(options, TerminalConsole.Create(), Console.Out, live).RunAsync(ct);
        });
        return command;
    }
}
