using System.CommandLine;
using Microsoft.Extensions.Logging;
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
        var inflight = new Option<int>("--max-requests-inflight") { Description = "Read-only requests of kubeconfig clients at once (kube-apiserver's flag); more wait in a queue or get 429", DefaultValueFactory = _ => new FlowControlOptions().MaxRequestsInflight };
        var mutatingInflight = new Option<int>("--max-mutating-requests-inflight") { Description = "Writes of kubeconfig clients at once; more wait in a queue or get 429", DefaultValueFactory = _ => new FlowControlOptions().MaxMutatingRequestsInflight };
        var command = new Command("api-server", "Run only the embedded Kubernetes-compatible API server (HTTPS on loopback, bearer token) until Ctrl+C.")
        {
            Hidden = true,
        };
        command.Options.Add(dataDir);
        command.Options.Add(port);
        command.Options.Add(kubeconfig);
        command.Options.Add(inflight);
        command.Options.Add(mutatingInflight);
        command.SetAction(async (parseResult, ct) =>
        {
            var portValue = parseResult.GetValue(port);
            if (portValue is < 0 or > 65535)
            {
                throw new BadInputException($"--port: {portValue} is not a TCP port (0 to 65535; 0 picks a free one)");
            }

            var flow = new FlowControlOptions
            {
                MaxRequestsInflight = Positive(inflight.Name, parseResult.GetValue(inflight)),
                MaxMutatingRequestsInflight = Positive(mutatingInflight.Name, parseResult.GetValue(mutatingInflight)),
            };
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
            await using var server = await EmbeddedApiServer.StartAsync(
                new ApiServerOptions { DataDir = parseResult.GetValue(dataDir), Port = portValue, FlowControl = flow, Log = loggers.CreateLogger("api-server") }, ct);
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

    private static int Positive(string flag, int value) =>
        value >= 1 ? value : throw new BadInputException($"{flag}: {value} is not allowed (a whole number of requests, at least 1)");
}
