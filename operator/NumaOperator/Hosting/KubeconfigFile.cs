using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace NumaOperator.Cli.Hosting;

/// <summary>
/// Reads one kubeconfig file into a client configuration, as KubernetesClient's BuildConfigFromConfigFile does (the
/// context, the cluster's CA, the user's token, client certificate or exec plugin; paths relative to the file), but
/// without its KubernetesYaml: that type's static constructor orders properties by metadata token, which a Native AOT
/// build does not keep, so every command given --kubeconfig failed there (docs/benchmarks.md, "Native AOT of the
/// controller, measured"). `controller` and `agent` without --kubeconfig, outside a cluster, still read $KUBECONFIG through
/// KubernetesClient.
/// </summary>
public static class KubeconfigFile
{
    // The kubeconfig model names every field with a YamlMember alias; camelCase is only the fallback for one without.
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .IgnoreUnmatchedProperties()
        .Build();

    /// <summary>The configuration of <paramref name="context"/> (null: the file's current-context).</summary>
    /// <exception cref="KubeConfigException">The file is not a kubeconfig, or names no such context, cluster or user (the message does not repeat the path).</exception>
    public static KubernetesClientConfiguration Load(string path, string? context = null)
    {
        K8SConfiguration? config;
        try
        {
            config = Yaml.Deserialize<K8SConfiguration?>(File.ReadAllText(path));
        }
        catch (YamlException e)
        {
            throw new KubeConfigException($"not valid YAML: {e.Message}");
        }

        if (config is null)
        {
            throw new KubeConfigException("the file is empty");
        }

        config.FileName = Path.GetFullPath(path);
        return KubernetesClientConfiguration.BuildConfigFromConfigObject(config, context);
    }
}
