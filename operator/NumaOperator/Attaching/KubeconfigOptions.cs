using System.CommandLine;

namespace NumaOperator.Cli.Attaching;

/// <summary>--kubeconfig and --context, as every command that talks to a cluster with the user's identity takes them.</summary>
public static class KubeconfigOptions
{
    public static (Option<string?> Kubeconfig, Option<string?> Context) Create() => (
        new Option<string?>("--kubeconfig") { Description = "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)" },
        new Option<string?>("--context") { Description = "kubeconfig context to use (default: its current-context)" });
}
