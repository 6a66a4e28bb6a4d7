using System.Security.Cryptography;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Core;

namespace NumaOperator.Cli.Hosting;

/// <summary>
/// Reads one kubeconfig file into a client configuration, as KubernetesClient's BuildConfigFromConfigFile does (the
/// context, the cluster's CA, the user's token, client certificate or exec plugin; paths relative to the file), but
/// without its KubernetesYaml: that type's static constructor orders properties by metadata token, which a Native AOT
/// build does not keep, so every command given --kubeconfig failed there (docs/benchmarks.md, "Native AOT of the
/// controller, measured"). The document is read by <see cref="KubeconfigYaml"/>, without reflection, which a trimmed
/// build also needs. Every command reads its kubeconfig here, $KUBECONFIG and ~/.kube/config included (<see cref="KubeconfigLoader"/>).
/// </summary>
public static class KubeconfigFile
{
    /// <summary>The configuration of <paramref name="context"/> (null: the file's current-context).</summary>
    /// <exception cref="KubeconfigFileException">The file cannot be read or is not a kubeconfig (YAML, base64, PEM).</exception>
    /// <exception cref="KubeConfigException">The file names no such context, cluster or user, or its exec plugin fails.</exception>
    /// <remarks>No message repeats the path: the callers name the file and the flag.</remarks>
    public static KubernetesClientConfiguration Load(string path, string? context = null)
    {
        var config = Read(path);
        config.FileName = Path.GetFullPath(path);
        config.Clusters ??= []; // `clusters: null` is what kubectl config view prints for an empty config
        config.Users ??= [];
        config.Contexts ??= [];
        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigObject(config, context);
        }
        catch (Exception e) when (e is FormatException or CryptographicException or IOException or UnauthorizedAccessException)
        {
            // certificate-authority(-data), client-certificate(-data) or client-key(-data) that is not base64 or PEM, or unreadable.
            throw new KubeconfigFileException($"a certificate or key it names cannot be read: {e.Message}", e);
        }
    }

    private static K8SConfiguration Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeconfigFileException($"cannot read: {e.Message}", e);
        }

        try
        {
            return KubeconfigYaml.Read(text) ?? throw new KubeconfigFileException("it holds no YAML document");
        }
        catch (YamlException e) when (e is SyntaxErrorException or SemanticErrorException)
        {
            throw new KubeconfigFileException($"not valid YAML: {e.Message}", e);
        }
        catch (Exception e) when (e is YamlException or FormatException)
        {
            throw new KubeconfigFileException($"not a kubeconfig: {e.Message}", e);
        }
    }
}

/// <summary>The kubeconfig file itself is at fault (unreadable, not YAML, not a kubeconfig), not the context chosen in it.</summary>
public sealed class KubeconfigFileException(string message, Exception? inner = null) : KubeConfigException(message, inner);
