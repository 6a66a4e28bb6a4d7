using k8s;
using k8s.Exceptions;

namespace NumaOperator.Cli.Hosting;

/// <summary>
/// Finds the cluster as kubectl does: --kubeconfig, else the first existing file of $KUBECONFIG, else
/// ~/.kube/config, else the in-cluster service account; --context picks a context of that file.
/// </summary>
public static class KubeconfigLoader
{
    /// <exception cref="BadInputException">No kubeconfig to read, a file that does not exist, or an unknown context.</exception>
    public static KubernetesClientConfiguration Load(string? kubeconfig, string? context)
    {
        string? path = kubeconfig;
        if (path is not null && !File.Exists(path))
        {
            throw new BadInputException($"--kubeconfig: file \"{path}\" does not exist");
        }

        path ??= (Environment.GetEnvironmentVariable("KUBECONFIG") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(File.Exists);
        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        path ??= File.Exists(home) ? home : null;
        if (path is null)
        {
            if (context is null && KubernetesClientConfiguration.IsInCluster())
            {
                return KubernetesClientConfiguration.InClusterConfig();
            }

            throw new BadInputException("no kubeconfig: --kubeconfig not given, $KUBECONFIG names no existing file and ~/.kube/config does not exist; pass --kubeconfig FILE");
        }

        try
        {
            return KubeconfigFile.Load(path, context);
        }
        catch (KubeConfigException e)
        {
            var option = context is null || e is KubeconfigFileException ? "--kubeconfig" : "--context";
            throw new BadInputException($"{option}: kubeconfig \"{path}\"{(context is null ? string.Empty : $" context \"{context}\"")}: {e.Message}", e);
        }
    }
}
