using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using NumaOperator.Agent.Launch;
using NumaOperator.Api.Serialization;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Numa.Discovery;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Launching;
using NumaOperator.Qemu.Measurement;
using NumaOperator.Qemu.Placement;
using NumaOperator.Qemu.Preflight;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// `numa-operator launch`: starts one VM on this host through the agent's launch path (placement on the given host
/// nodes, pre-flight, argv, supervisor: start, pin, cont), optionally measures numa_maps and judges the placement.
/// Exit 0 when launched (and aligned with --measure), 1 on a runtime failure or when not aligned, 2 on bad input.
/// </summary>
public sealed class LaunchCommand : ICliCommand
{
    public const string DefaultStateRoot = "/run/numa-operator/vms";

    public static IReadOnlyList<string> OutputFormats { get; } = ["table", "json"];

    public int Order => 60;

    public Command Build()
    {
        var vmFile = new Option<string>("--vm") { Description = "File holding one NumaVirtualMachine (YAML or JSON)", Required = true };
        var hostNodes = new Option<string>("--host-nodes") { Description = "Host NUMA node per guest node, in guest node order (\"1\", \"1,0\")", Required = true };
        var measure = new Option<bool>("--measure") { Description = "Read /proc/PID/numa_maps after prealloc, print guest RAM per host node and judge it; exit 1 when not aligned" };
        var stateDir = new Option<string>("--state-dir") { Description = $"The VM's state directory (QMP socket, pid file, serial log, lock); default {DefaultStateRoot}/NAME" };
        var imageRoot = new Option<string>("--image-root") { Description = "Directory boot files resolve under", DefaultValueFactory = _ => ImageRoot.DefaultPath };
        var stopAfter = new Option<bool>("--stop-after") { Description = "Stop the VM (powerdown, quit, kill) after launching/measuring and remove its state dir" };
        var omitBinding = new Option<bool>("--omit-binding-for-test") { Description = "Test only: drop host-nodes/policy from the memory backends (reproduces the unbound seed bug)", Hidden = true };
        var swapBindings = new Option<bool>("--swap-bindings-for-test") { Description = "Test only: bind guest node i's backend to guest node i+1's host node (swapped bindings)", Hidden = true };
        var wideBinding = new Option<bool>("--wide-binding-for-test") { Description = "Test only: bind every backend to all placed host nodes (host-nodes=0-1)", Hidden = true };
        var qemu = new Option<string>("--qemu") { Description = "QEMU executable", DefaultValueFactory = _ => QemuBinary.DefaultPath, Hidden = true };
        var qemuUser = QemuUserOption.Create();
        var forceTcg = AcceleratorOptions.ForceTcg();
        var bootProbeKernel = AcceleratorOptions.BootProbeKernel();
        var output = new Option<string>("--output", "-o") { Description = "table (people) or json (one object)", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong([.. OutputFormats]);

        var command = new Command("launch", "Start one VM on this host with memory bound to the given host NUMA nodes, pin its vCPUs, and optionally measure where its memory landed.");
        foreach (var option in new Option[] { vmFile, hostNodes, measure, stateDir, imageRoot, stopAfter, omitBinding, swapBindings, wideBinding, qemu, qemuUser, forceTcg, bootProbeKernel, output })
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, ct) => RunAsync(
            new LaunchOptions(
                parseResult.GetValue(vmFile)!,
                parseResult.GetValue(hostNodes)!,
                parseResult.GetValue(measure),
                parseResult.GetValue(stateDir),
                parseResult.GetValue(imageRoot) ?? ImageRoot.DefaultPath,
                parseResult.GetValue(stopAfter),
                TestBinding(parseResult.GetValue(omitBinding), parseResult.GetValue(swapBindings), parseResult.GetValue(wideBinding)),
                parseResult.GetValue(qemu) ?? QemuBinary.DefaultPath,
                QemuUserOption.Parse(parseResult.GetValue(qemuUser)),
                parseResult.GetValue(forceTcg),
                AcceleratorOptions.ParseBootProbeKernel(parseResult.GetValue(bootProbeKernel)),
                parseResult.GetValue(output) ?? "table"),
            ct));
        return command;
    }

    private static async Task<int> RunAsync(LaunchOptions options, CancellationToken ct)
    {
        var vm = ReadVm(options.VmFile);
        var validation = NumaVirtualMachineValidator.Validate(vm);
        if (!validation.IsValid)
        {
            throw new BadInputException($"{options.VmFile}: {validation.Summary}");
        }

        var request = validation.Request!;
        var hostNodes = ParseHostNodes(options.HostNodes);
        if (options.QemuUser is null)
        {
            await Console.Error.WriteLineAsync("warning: " + QemuUserOption.RootWarning);
        }

        var topology = new SysfsTopologyReader("/").ReadTopology();
        var name = vm.Metadata.Name;
        var state = new VmStatePaths(Path.GetFullPath(options.StateDir ?? Path.Combine(DefaultStateRoot, name)));
        var uuid = VmUuid(vm);
        if (VmSupervisor.RunningPid(state, uuid) is { } runningPid)
        {
            await Console.Error.WriteLineAsync($"error: VM {name} already runs as pid {runningPid} (state dir {state.Directory}); never two QEMU for one VM");
            return ExitCodes.Failure;
        }

        if (await PrepareAsync(options, vm, request, hostNodes, topology, state, uuid, ct) is not { } launch)
        {
            return ExitCodes.Failure;
        }

        var result = await LaunchAsync(options, launch.Placement, launch.Prepared, topology, ct);
        if (options.Output == "json")
        {
            Console.Out.WriteLine(LaunchReport.ToJson(result).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            LaunchReport.WriteTable(result, Console.Out);
        }

        return result.Verdict is { Aligned: false } ? ExitCodes.Failure : ExitCodes.Success;
    }

    /// <summary>
    /// Places the VM on the given host nodes and runs the agent's pre-flight; null (said on stderr) when the host
    /// cannot run it, a <see cref="BadInputException"/> when the input is at fault.
    /// </summary>
    private static async Task<(VmPlacement Placement, PreparedLaunch Prepared)?> PrepareAsync(
        LaunchOptions options, NumaVirtualMachine vm, VmRequest request, List<int> hostNodes, HostTopology topology, VmStatePaths state, Guid uuid, CancellationToken ct)
    {
        try
        {
            // The agent's probe (cached per binary): the VM runs under an accelerator and CPU model this host really starts.
            var host = await PreflightHost.DiscoverAsync(ProbeOptions(options), ct);
            var accelerator = LocalPlacement.ChooseAccelerator(request, host);
            var placement = LocalPlacement.Build(Environment.MachineName.ToLowerInvariant(), request, hostNodes, topology, accelerator);
            if (options.Binding is BindingForTest.Swapped or BindingForTest.Wide && request.GuestNodes < 2)
            {
                throw new BadInputException($"--{(options.Binding == BindingForTest.Swapped ? "swap-bindings" : "wide-binding")}-for-test needs spec.numa.guestNodes 2 or more; {options.VmFile} has {request.GuestNodes}");
            }

            var prepared = LaunchPreparation.Prepare(vm.Metadata.Name, uuid, placement, SpecBootFiles.Of(vm.Spec.Boot), new ImageRoot(options.ImageRoot), state, host, options.QemuUser, topology, options.Binding);
            return (placement, prepared);
        }
        catch (PreflightException e) when (e.IsBadInput)
        {
            throw new BadInputException("pre-flight: " + e.Message, e);
        }
        catch (PreflightException e)
        {
            await Console.Error.WriteLineAsync("error: pre-flight: " + e.Message);
            return null;
        }
    }

    /// <summary>Starts QEMU, measures when asked, and stops it with --stop-after (else leaves it running).</summary>
    private static async Task<LaunchResult> LaunchAsync(LaunchOptions options, VmPlacement placement, PreparedLaunch prepared, HostTopology topology, CancellationToken ct)
    {
        var (spec, facts, argv) = prepared;
        var counters = new HugepageCounters();
        var nodes = topology.NumaNodes.Select(n => n.Id).ToArray();
        var freeBefore = FreePages(counters, nodes, placement.PageSize);

        var supervisor = new VmSupervisor { PowerdownGrace = TimeSpan.FromSeconds(5) };
        var running = await supervisor.StartAsync(argv, spec, topology, ct);
        NumaMeasurement? measurement = null;
        NumaVerdict? verdict = null;
        Dictionary<int, long> freeAfter;
        var stopped = false;
        try
        {
            if (options.Measure)
            {
                var addresses = await ProcessMeasurement.LocateAsync(running.Qmp, placement, ct);
                (measurement, verdict) = await ProcessMeasurement.MeasureAsync(running.Pid, placement, facts.HugetlbfsMounts, addresses, ct);
            }

            freeAfter = FreePages(counters, nodes, placement.PageSize);
        }
        finally
        {
            if (options.StopAfter)
            {
                await supervisor.StopAsync(running, ct);
                stopped = true;
            }
            else
            {
                await running.DisposeAsync();
            }
        }

        return new LaunchResult(spec, facts, argv, running.Pid, running.Timings!, measurement, verdict, freeBefore, freeAfter, stopped, nodes);
    }

    private static NumaVirtualMachine ReadVm(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BadInputException($"--vm {file}: cannot read: {e.Message}", e);
        }

        // The manifest reader (YAML or JSON, precompiled JSON metadata, unknown fields named), as `place` reads VMs.
        var set = new ManifestSet();
        try
        {
            ManifestReader.Read(text, file, set);
        }
        catch (ManifestException e)
        {
            throw new BadInputException($"--vm {e.Message}", e);
        }

        if (set.VirtualMachines.Count != 1 || set.Topologies.Count > 0 || set.NodeLabels.Count > 0)
        {
            var found = set.VirtualMachines.Count + set.Topologies.Count + set.NodeLabels.Count;
            throw new BadInputException($"--vm {file}: expected one object of kind {NumaVirtualMachine.KubeKind}, got {found} object(s), {set.VirtualMachines.Count} of that kind");
        }

        return set.VirtualMachines[0].Resource;
    }

    /// <summary>"1", "1,0", "0-1": order kept (guest node i goes on the i-th host node).</summary>
    private static List<int> ParseHostNodes(string text)
    {
        var nodes = new List<int>();
        foreach (var part in text.Split(','))
        {
            var bounds = part.Trim().Split('-');
            if (bounds.Length is < 1 or > 2
                || !int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                || first > NumaVirtualMachineValidator.MaxHostNodeId)
            {
                throw new BadInputException($"--host-nodes \"{text}\": expected host NUMA node ids 0-{NumaVirtualMachineValidator.MaxHostNodeId} separated by ',' (\"1\", \"1,0\", \"0-1\")");
            }

            var last = first;
            if (bounds.Length == 2 && (!int.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out last) || last < first || last > NumaVirtualMachineValidator.MaxHostNodeId))
            {
                throw new BadInputException($"--host-nodes \"{text}\": \"{part}\" is not a range low-high of host NUMA node ids");
            }

            nodes.AddRange(Enumerable.Range(first, last - first + 1));
        }

        return nodes;
    }

    /// <summary>The hidden control-run switches; at most one.</summary>
    private static BindingForTest TestBinding(bool omit, bool swap, bool wide) => (omit, swap, wide) switch
    {
        (false, false, false) => BindingForTest.AsPlaced,
        (true, false, false) => BindingForTest.Omitted,
        (false, true, false) => BindingForTest.Swapped,
        (false, false, true) => BindingForTest.Wide,
        _ => throw new BadInputException("--omit-binding-for-test, --swap-bindings-for-test and --wide-binding-for-test exclude each other: give at most one"),
    };

    /// <summary>metadata.uid when it is a UUID, else one derived from namespace/name: the same VM keeps the same uuid across launches.</summary>
    private static Guid VmUuid(NumaVirtualMachine vm)
    {
        if (Guid.TryParse(vm.Metadata.Uid, out var uid))
        {
            return uid;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("numaoperator.io/" + vm.Key));
        hash[6] = (byte)((hash[6] & 0x0f) | 0x50); // version 5-style, name-based
        hash[8] = (byte)((hash[8] & 0x3f) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    private static Dictionary<int, long> FreePages(HugepageCounters counters, IEnumerable<int> nodes, PageSize pageSize) =>
        pageSize.IsHuge ? nodes.ToDictionary(n => n, n => counters.FreePages(n, pageSize.Bytes)) : [];

    /// <summary>QEMU runs directly here, so the boot probe's scratch file can go to the temp dir.</summary>
    private static QemuProbeOptions ProbeOptions(LaunchOptions options) => new()
    {
        QemuPath = options.QemuPath,
        ForceEmulation = options.ForceTcg,
        BootProbeKernel = options.BootProbeKernel,
        WorkDirectory = Path.GetTempPath(),
    };

    private sealed record LaunchOptions(string VmFile, string HostNodes, bool Measure, string? StateDir, string ImageRoot, bool StopAfter, BindingForTest Binding, string QemuPath, QemuUser? QemuUser, bool ForceTcg, string? BootProbeKernel, string Output);

}
