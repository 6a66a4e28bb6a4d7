using System.CommandLine;
using k8s;
using NumaOperator.Cli.Hosting;

namespace NumaOperator.Cli.Explaining;

/// <summary>
/// --kubeconfig and --context, as every command that talks to a cluster with the user's identity takes them, and the
/// client configuration they select (<see cref="KubeconfigLoader"/>, requests time out after 30 s).
/// </summary>
public sealed class ClusterOptions
{
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private ClusterOptions()
    {
    }

    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)" };

    public Option<string?> Context { get; } = new("--context") { Description = "kubeconfig context to use (default: its current-context)" };

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public static ClusterOptions AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var options = new ClusterOptions();
        command.Options.Add(options.Kubeconfig);
        command.Options.Add(options.Context);
        return options;
    }

    /// <exception cref="BadInputException">No kubeconfig to read, a file that does not exist, or an unknown context.</exception>
    public KubernetesClientConfiguration Load(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        var configuration = KubeconfigLoader.Load(parseResult.GetValue(Kubeconfig), parseResult.GetValue(Context));
        configuration.HttpClientTimeout = RequestTimeout;
        return configuration;
    }
}
