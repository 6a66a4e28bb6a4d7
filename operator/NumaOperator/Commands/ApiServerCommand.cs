using System.CommandLine;
using NumaOperator.ApiServer;

namespace NumaOperator.Cli.Commands;

/// <summary>
/// `numa-operator api-server` (hidden): only the embedded Kubernetes-compatible API server, for trying kubectl against it.
/// `standalone` runs the same server together with the controller and agent.
/// </summary>
public sealed class ApiServerCommand : ICliCommand
{
    public int Order => 900;

    public Command Build()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Directory of the SQLite datastore; omit to keep everything in memory" };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1; 0 picks a free one", DefaultValueFactory = _ => 0 };
        var kubeconfig = new Option<string>("--kubeconfig-out") { Description = "Where to write the kubeconfig (mode 0600)", DefaultValueFactory = _ => "kubeconfig" };
        var command = new Command("api-server", "Run only the embedded Kubernetes-compatible API server (plain HTTP on loopback, bearer token) until Ctrl+C.")
        {
            Hidden = true,
        };
        command.Options.Add(dataDir);
        command.Options.Add(port);
        command.Options.Add(kubeconfig);
        command.SetAction(async (parseResult, ct) =>
        {
            var portValue = parseResult.GetValue(port);
            if (portValue is < 0 or > 65535)
            {
                throw new BadInputException($"--port: {portValue} is not a TCP port (0 to 65535; 0 picks a free one)");
            }

            await using var server = await EmbeddedApiServer.StartAsync(new ApiServerOptions { DataDir = parseResult.GetValue(dataDir), Port = portValue }, ct);
            var path = parseResult.GetValue(kubeconfig) ?? "kubeconfig";
            server.WriteKubeconfig(path);
            await Console.Out.WriteLineAsync($"serving {server.BaseAddress} (kubeconfig: {Path.GetFullPath(path)}); Ctrl+C stops");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
