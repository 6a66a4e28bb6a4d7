using System.CommandLine;
using System.Text;
using k8s;
using k8s.Models;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;
using NumaOperator.Cli.Hosting;
using NumaOperator.Cli.Rendering;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// <c>numa-operator explain NAMESPACE/NAME</c>: reads the VM, its Events and (when it is not placed) every VM,
/// NumaNodeTopology and Node, and prints why the VM is where it is. Only I/O here; the explanation is
/// <see cref="ExplanationBuilder"/>'s.
/// </summary>
public sealed class ExplainCommand : ICliCommand
{
    public static readonly IReadOnlyList<string> Formats = [PictureOutput.Picture, "table", "json"];

    /// <summary>The --help description; the exit codes are part of the contract with scripts.</summary>
    public const string HelpText =
        "Explain why a NumaVirtualMachine is not scheduled, not running or not NUMA-aligned: its conditions, the\n" +
        "placement engine's per-node reasons (the controller's own engine and ledger), its placement against the\n" +
        "measured numastat, and its latest Warning events.\n" +
        "Exit codes:\n" +
        "  0  an explanation was printed, whatever the VM's state\n" +
        "  1  runtime failure: the API server is unreachable or refused the request, or the VM does not exist\n" +
        "     (NotFound is exit 1, as for `kubectl get`: the argument is well-formed, the cluster lacks the object)\n" +
        "  2  bad input: the argument is not NAMESPACE/NAME, an option value is not allowed, or no kubeconfig/context";

    public int Order => 25;

    public Command Build()
    {
        var vm = new Argument<string>("NAMESPACE/NAME") { Description = "The NumaVirtualMachine, e.g. default/db1" };
        var output = new Option<string>("--output", "-o")
        {
            Description = $"table: the explanation for a person; {PictureOutput.Help}, after the table (the VM's node with its guest nodes marked, or the nodes the scheduler considered), CPUs dedicated/shared/reserved/free and hugepages placed/free as the scheduler's ledger holds them; json: the explanation as one JSON object. Default: picture on a terminal, table when stdout is not one",
            DefaultValueFactory = _ => PictureOutput.Default(Console.IsOutputRedirected),
        };
        output.AcceptOnlyFromAmong([.. Formats]);
        var command = new Command("explain", HelpText);
        command.Arguments.Add(vm);
        var cluster = ClusterOptions.AddTo(command);
        command.Options.Add(output);
        command.SetAction(async (parseResult, ct) =>
        {
            var reference = VmReference.Parse(parseResult.GetValue(vm));
            var configuration = cluster.Load(parseResult);
            var format = parseResult.GetValue(output);
            var input = await ReadAsync(configuration, reference, wholeCluster: format == PictureOutput.Picture, ct);
            var explanation = ExplanationBuilder.Build(input);
            await using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false));
            if (format == "json")
            {
                await stdout.WriteLineAsync(ExplanationJson.Serialize(explanation));
            }
            else
            {
                ExplanationText.Write(explanation, stdout);
                if (format == PictureOutput.Picture)
                {
                    await stdout.WriteLineAsync();
                    await stdout.FlushAsync(ct);
                    var (pictures, leftOut) = ExplainPictures.For(input, explanation);
                    PictureWriter.Write(pictures, !Console.IsOutputRedirected, TerminalConsole.Create(), stdout);
                    if (leftOut > 0)
                    {
                        await stdout.WriteLineAsync($"({leftOut} more considered node(s) not drawn; -o table lists them all)");
                    }
                }
            }

            await stdout.FlushAsync(ct);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <param name="wholeCluster">Read every VM, topology and Node even for a placed VM (the picture draws its node's ledger).</param>
    private static async Task<ExplainInput> ReadAsync(KubernetesClientConfiguration configuration, VmReference reference, bool wholeCluster, CancellationToken ct)
    {
        var server = configuration.Host;
        using var client = ClusterProcess.Client(configuration);
        using var vms = new GenericClient(client, ApiGroup.Group, ApiGroup.Version, NumaVirtualMachine.Plural, disposeClient: false);
        return await ApiFailures.RunAsync(server, ApiFailures.VmNotFound(reference), async () =>
        {
            var vm = await vms.ReadNamespacedAsync<NumaVirtualMachine>(reference.Namespace, reference.Name, ct);

            // The embedded server (like older clusters) selects Events by name/namespace only: filter by involvedObject here.
            var events = (await client.CoreV1.ListNamespacedEventAsync(reference.Namespace, cancellationToken: ct)).Items
                .Where(e => e.InvolvedObject?.Name == reference.Name)
                .ToList();
            if (!ExplanationBuilder.NeedsCluster(vm) && !wholeCluster)
            {
                return new ExplainInput(vm, events, [], [], [], DateTime.UtcNow);
            }

            var all = (await ListClusterAsync<NumaVirtualMachineList>(client, NumaVirtualMachine.Plural, ct)).Items.ToList();
            var nnts = (await ListClusterAsync<NumaNodeTopologyList>(client, NumaNodeTopology.Plural, ct)).Items.ToList();
            var nodes = (await client.CoreV1.ListNodeAsync(cancellationToken: ct)).Items.ToList();
            return new ExplainInput(vm, events, all, nnts, nodes, DateTime.UtcNow);
        }, ct);
    }

    /// <summary>Every object of a custom resource, all namespaces (a VM in any namespace holds capacity).</summary>
    private static async Task<T> ListClusterAsync<T>(Kubernetes client, string plural, CancellationToken ct)
    {
        using var response = await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync(ApiGroup.Group, ApiGroup.Version, plural, cancellationToken: ct);
        return RawObject.Decode<T>(response.Body);
    }
}
