using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.Logging;
using NumaOperator.Api.Serialization;
using NumaOperator.Cli.Telemetry;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Cli.Hosting;

/// <summary>
/// What the cluster commands share: how they find and reach the API server; for the long-running ones (`controller`,
/// `agent`) also their listen prefixes (defaults from the environment the Helm chart sets) and their console logs.
/// </summary>
public static class ClusterProcess
{
    /// <summary>"http://+:PORT/" when <paramref name="variable"/> holds a TCP port, else null (serve nothing).</summary>
    public static string? PrefixFromPort(string variable) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), out var port) && port is > 0 and < 65536 ? $"http://+:{port}/" : null;

    /// <summary>The prefix itself, once <see cref="TelemetryExport.SplitPrefix"/> accepts it (null stays null).</summary>
    public static string? ListenPrefix(string? prefix, string option, int examplePort)
    {
        if (prefix is null)
        {
            return null;
        }

        try
        {
            _ = TelemetryExport.SplitPrefix(prefix);
            return prefix;
        }
        catch (FormatException)
        {
            throw new BadInputException($"{option}: \"{prefix}\" is not an HttpListener prefix http://HOST:PORT/; use e.g. http://+:{examplePort}/");
        }
    }

    /// <summary>--kubeconfig when given; else the in-cluster service account; else $KUBECONFIG or ~/.kube/config.</summary>
    /// <remarks>Files are read by <see cref="KubeconfigLoader"/>, not KubernetesClient's BuildDefaultConfig, whose YAML reader needs reflection a Native AOT build does not have.</remarks>
    public static KubernetesClientConfiguration LoadConfiguration(string? kubeconfig)
    {
        if (kubeconfig is null && KubernetesClientConfiguration.IsInCluster())
        {
            try
            {
                return KubernetesClientConfiguration.InClusterConfig();
            }
            catch (KubeConfigException e)
            {
                throw new BadInputException($"no cluster to talk to: the in-cluster service account cannot be read ({e.Message}); pass --kubeconfig FILE");
            }
        }

        return KubeconfigLoader.Load(kubeconfig, context: null);
    }

    /// <summary>The one way the executable builds its API client: requests over HTTP/1.1, watches over HTTP/2 (<see cref="RequestsOverHttp11"/>).</summary>
    public static Kubernetes Client(KubernetesClientConfiguration configuration)
    {
        // Before the client serializes anything: the v1alpha1 kinds through precompiled JSON metadata, not reflection.
        // Here rather than at process start, so that commands without a cluster (--version, place) do not pay for it.
        V1Alpha1Json.UseForKubernetesClient();
        return new(configuration, new RequestsOverHttp11());
    }

    /// <summary>Single-line console logs; JSON in clusters (the chart sets Logging__Console__FormatterName=json).</summary>
    public static ILoggerFactory ConsoleLoggers() => LoggerFactory.Create(b =>
    {
        if (Environment.GetEnvironmentVariable("Logging__Console__FormatterName") == "json")
        {
            b.AddJsonConsole();
        }
        else
        {
            b.AddSimpleConsole(o => o.SingleLine = true);
        }

        b.SetMinimumLevel(LogLevel.Information);
    });
}
