using System.CommandLine;
using System.Text;
using System.Text.Json;
using k8s;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.Serialization;
using NumaOperator.Api.Validation;
using NumaOperator.Cli.Rendering;
using NumaOperator.Agent.Topology;
using NumaOperator.Cli.Placing;
using NumaOperator.Numa.Discovery;
using NumaOperator.Qemu.Capabilities;
using NumaOperator.Qemu.Host;
using NumaOperator.Qemu.Preflight;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// `numa-operator nodes`: this host's NUMA topology, read from sysfs, as a NumaNodeTopology.
/// -o json / yaml print the resource (for `kubectl apply` and `numa-operator place`); -o picture (the default on a
/// terminal) and -o table (the default otherwise) are for people.
/// </summary>
public sealed class NodesCommand : ICliCommand
{
    public static IReadOnlyList<string> OutputFormats { get; } = [PictureOutput.Picture, "table", "json", "yaml"];

    public int Order => 40;

    public Command Build()
    {
        var sysfs = new Option<string>("--sysfs")
        {
            Description = "Directory that holds sys/ (\"/\" for this host; a copy or bind mount of another host's /sys elsewhere)",
            DefaultValueFactory = _ => "/",
        };
        var output = new Option<string>("--output", "-o")
        {
            Description = $"Output format. {PictureOutput.Help}, hugepages in use by anyone against free; table: one row per NUMA node; json or yaml: a NumaNodeTopology for kubectl apply / numa-operator place. Default: picture on a terminal, table when stdout is not one",
            DefaultValueFactory = _ => PictureOutput.Default(Console.IsOutputRedirected),
        };
        output.AcceptOnlyFromAmong([.. OutputFormats]);
        var nodeName = new Option<string>("--node-name")
        {
            Description = "Name of the NumaNodeTopology (the Kubernetes node name); defaults to this host's name",
        };
        var qemu = new Option<string>("--qemu")
        {
            Description = $"QEMU executable probed for status.qemu (accelerators and CPU models, as the agent probes them), or '{NoQemu}'; default: {QemuBinary.DefaultPath} when --sysfs is / and it exists",
        };
        var forceTcg = AcceleratorOptions.ForceTcg();
        var bootProbeKernel = AcceleratorOptions.BootProbeKernel();

        var command = new Command("nodes", "Print this host's NUMA topology (nodes, CPUs, SMT cores, memory, hugepages, distances) as a NumaNodeTopology.");
        command.Options.Add(sysfs);
        command.Options.Add(output);
        command.Options.Add(nodeName);
        command.Options.Add(qemu);
        command.Options.Add(forceTcg);
        command.Options.Add(bootProbeKernel);
        command.SetAction((parseResult, ct) => RunAsync(
            parseResult.GetValue(sysfs) ?? "/",
            parseResult.GetValue(output) ?? PictureOutput.Table,
            parseResult.GetValue(nodeName),
            parseResult.GetValue(qemu),
            parseResult.GetValue(forceTcg),
            AcceleratorOptions.ParseBootProbeKernel(parseResult.GetValue(bootProbeKernel)),
            ct));
        return command;
    }

    private const string NoQemu = "none";

    private static async Task<int> RunAsync(string sysfsRoot, string format, string? nodeName, string? qemuPath, bool forceTcg, string? bootProbeKernel, CancellationToken ct)
    {
        var name = nodeName ?? Environment.MachineName.ToLowerInvariant();
        if (!LabelValidation.IsDnsSubdomain(name))
        {
            var source = nodeName is null ? "this host's name" : "--node-name";
            return BadInput($"{source}: \"{name}\" is not a Kubernetes node name (lowercase letters, digits, '-' and '.', at most 253 characters); pass --node-name NAME");
        }

        DiscoveredHost host;
        try
        {
            host = new SysfsTopologyReader(sysfsRoot).Read();
        }
        catch (TopologyDiscoveryException e)
        {
            return BadInput($"cannot read the NUMA topology under --sysfs {sysfsRoot}: {e.Message}");
        }

        var resource = TopologyConversion.ToResource(name, host.Topology);
        var qemu = await ProbeQemuAsync(sysfsRoot, qemuPath, forceTcg, bootProbeKernel, ct);
        if (qemu is not null)
        {
            resource.Status!.Qemu = TopologyStatusBuilder.QemuInfo(qemu);
        }

        switch (format)
        {
            case "json":
                Console.Out.WriteLine(Indented(KubernetesJson.Serialize(resource)));
                break;
            case "yaml":
                Console.Out.WriteLine(JsonAsYaml.FromKubernetesObject(resource).TrimEnd('\n'));
                break;
            case PictureOutput.Picture:
                PictureWriter.Write([HostPictureBuilder.FromSysfs(name, host)], !Console.IsOutputRedirected, TerminalConsole.Create(), Console.Out);
                if (qemu is not null)
                {
                    WriteAccelerators(qemu);
                }

                break;
            default:
                TopologyTable.Write(TerminalConsole.Create(), name, host);
                if (qemu is not null)
                {
                    WriteAccelerators(qemu);
                }

                break;
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// This host's QEMU as the agent's direct launch path probes it (one probe per binary, cached), or null: --qemu none,
    /// a fixture --sysfs without --qemu, or no QEMU installed (a warning on stderr says why).
    /// </summary>
    private static async Task<QemuCapabilities?> ProbeQemuAsync(string sysfsRoot, string? qemuPath, bool forceTcg, string? bootProbeKernel, CancellationToken ct)
    {
        if (qemuPath == NoQemu || (qemuPath is null && (Path.GetFullPath(sysfsRoot) != "/" || !File.Exists(QemuBinary.DefaultPath))))
        {
            return null;
        }

        var options = new QemuProbeOptions { QemuPath = qemuPath ?? QemuBinary.DefaultPath, ForceEmulation = forceTcg, BootProbeKernel = bootProbeKernel, WorkDirectory = Path.GetTempPath() };
        var (capabilities, problem) = await PreflightHost.ProbeAsync(options, ct);
        if (capabilities is null)
        {
            await Console.Error.WriteLineAsync("warning: no QEMU facts: " + problem);
        }

        return capabilities;
    }

    /// <summary>One line per accelerator under the table: usable or why not, the CPU models it runs.</summary>
    private static void WriteAccelerators(QemuCapabilities qemu)
    {
        Console.Out.WriteLine($"QEMU {qemu.Version} ({qemu.QemuPath}):");
        foreach (var accelerator in TopologyStatusBuilder.QemuInfo(qemu).Accelerators ?? [])
        {
            var models = accelerator.CpuModels.Count == 0 ? string.Empty : $": {string.Join(", ", accelerator.CpuModels.Take(6))}{(accelerator.CpuModels.Count > 6 ? $" and {accelerator.CpuModels.Count - 6} more" : string.Empty)}";
            var state = accelerator.Usable ? "usable" : "not usable";
            Console.Out.WriteLine(OneLineText.Of($"  {accelerator.Name,-10} {state}{models}{(accelerator.Reason is null ? string.Empty : " (" + accelerator.Reason + ")")}"));
        }
    }

    /// <summary>Re-indents compact JSON; KubernetesJson's own options (its converters) must do the serializing.</summary>
    private static string Indented(string json)
    {
        using var document = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            document.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static int BadInput(string message)
    {
        Console.Error.WriteLine("error: " + message);
        return ExitCodes.BadInput;
    }
}
