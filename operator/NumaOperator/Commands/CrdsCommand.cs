using System.CommandLine;
using System.Text;
using NumaOperator.Api.Crds;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// `numa-operator crds`: the CustomResourceDefinitions generated from the v1alpha1 types, as multi-document YAML on
/// stdout (for kubectl apply -f -), or one file per CRD with --output-dir (how crds/ is refreshed).
/// </summary>
public sealed class CrdsCommand : ICliCommand
{
    public int Order => 30;

    public Command Build()
    {
        var outputDir = new Option<string>("--output-dir")
        {
            Description = "Write one file per CRD (numaoperator.io_<plural>.yaml) into this existing directory instead of printing; `--output-dir crds` refreshes the checked-in crds/",
        };
        var command = new Command("crds", "Print the NumaVirtualMachine and NumaNodeTopology CustomResourceDefinitions as YAML (crds/ is this output).");
        command.Options.Add(outputDir);
        command.SetAction(parseResult => Run(parseResult.GetValue(outputDir)));
        return command;
    }

    private static int Run(string? outputDir)
    {
        var crds = NumaOperatorCrds.All();
        if (outputDir is null)
        {
            Console.Out.Write(CrdYaml.RenderAll(crds));
            return ExitCodes.Success;
        }

        if (!Directory.Exists(outputDir))
        {
            throw new BadInputException($"--output-dir: directory \"{outputDir}\" does not exist; create it or pass an existing directory such as crds");
        }

        foreach (var crd in crds)
        {
            var path = Path.Combine(outputDir, CrdYaml.FileName(crd));
            File.WriteAllText(path, CrdYaml.Render(crd), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            Console.Out.WriteLine("wrote " + path);
        }

        return ExitCodes.Success;
    }
}
