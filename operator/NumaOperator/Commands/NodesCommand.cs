using System.CommandLine;
using System.Text;
using System.Text.Json;
using k8s;
using NumaOperator.Api.Conversion;
using NumaOperator.Api.Validation;
using NumaOperator.Cli.Rendering;
using NumaOperator.Numa.Discovery;

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

        var command = new Command("nodes", "Print this host's NUMA topology (nodes, CPUs, SMT cores, memory, hugepages, distances) as a NumaNodeTopology.");
        command.Options.Add(sysfs);
        command.Options.Add(output);
        command.Options.Add(nodeName);
        command.SetAction(parseResult => Run(
            parseResult.GetValue(sysfs) ?? "/",
            parseResult.GetValue(output) ?? PictureOutput.Table,
            parseResult.GetValue(nodeName)));
        return command;
    }

    private static int Run(string sysfsRoot, string format, string? nodeName)
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
        switch (format)
        {
            case "json":
                Console.Out.WriteLine(Indented(KubernetesJson.Serialize(resource)));
                break;
            case "yaml":
                Console.Out.WriteLine(KubernetesYaml.Serialize(resource).TrimEnd('\n'));
                break;
            case PictureOutput.Picture:
                PictureWriter.Write([HostPictureBuilder.FromSysfs(name, host)], !Console.IsOutputRedirected, TerminalConsole.Create(), Console.Out);
                break;
            default:
                TopologyTable.Write(TerminalConsole.Create(), name, host);
                break;
        }

        return ExitCodes.Success;
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
