using YamlDotNet.RepresentationModel;

namespace NumaOperator.Packaging.Tests;

/// <summary>One Kubernetes object from rendered YAML, with path lookups that return null when absent.</summary>
public sealed class Manifest(YamlMappingNode root)
{
    public YamlMappingNode Root { get; } = root;

    public string Kind => Scalar("kind") ?? throw new InvalidOperationException("object without kind");

    public string Name => Scalar("metadata", "name") ?? throw new InvalidOperationException($"{Kind} without metadata.name");

    public YamlNode? Find(params string[] path) => Yaml.Find(Root, path);

    public string? Scalar(params string[] path) => Yaml.Scalar(Root, path);

    public override string ToString() => $"{Kind}/{Scalar("metadata", "name")}";
}

/// <summary>Navigation helpers over YamlDotNet's representation model.</summary>
public static class Yaml
{
    public static YamlNode? Find(YamlNode node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    public static string? Scalar(YamlNode node, params string[] path) => (Find(node, path) as YamlScalarNode)?.Value;

    public static IReadOnlyList<YamlNode> Sequence(YamlNode node, params string[] path) =>
        Find(node, path) is YamlSequenceNode sequence ? sequence.Children.ToList() : [];

    public static IReadOnlyList<string> Strings(YamlNode node, params string[] path) =>
        Sequence(node, path).OfType<YamlScalarNode>().Select(s => s.Value ?? string.Empty).ToList();

    public static bool IsTrue(YamlNode node, params string[] path) => string.Equals(Scalar(node, path), "true", StringComparison.Ordinal);
}
