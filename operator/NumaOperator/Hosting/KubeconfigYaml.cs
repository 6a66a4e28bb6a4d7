using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace NumaOperator.Cli.Hosting;

/// <summary>
/// Reads a kubeconfig document into KubernetesClient's model from YamlDotNet's node tree, field by field with the names
/// kubectl writes (the model's YamlMember aliases). No reflection: a trimmed (Native AOT) build removes the model's
/// constructors that a reflection deserializer needs. Fields the client does not use (preferences, extensions) are skipped.
/// </summary>
internal static class KubeconfigYaml
{
    /// <summary>The first document of <paramref name="text"/>; null when there is none.</summary>
    /// <exception cref="YamlException">Not YAML.</exception>
    /// <exception cref="FormatException">YAML, but a field has the wrong shape (its path in the message).</exception>
    public static K8SConfiguration? Read(string text)
    {
        var stream = new YamlStream();
        stream.Load(new Parser(new StringReader(text)));
        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            return null;
        }

        var root = Mapping(stream.Documents[0].RootNode, "the document");
        return new K8SConfiguration
        {
            ApiVersion = Text(root, "apiVersion", string.Empty),
            Kind = Text(root, "kind", string.Empty),
            CurrentContext = Text(root, "current-context", string.Empty),
            Clusters = Objects(root, "clusters", string.Empty, (n, at) => new Cluster { Name = Text(n, "name", at), ClusterEndpoint = Child(n, "cluster", at, Endpoint) }),
            Users = Objects(root, "users", string.Empty, (n, at) => new User { Name = Text(n, "name", at), UserCredentials = Child(n, "user", at, Credentials) }),
            Contexts = Objects(root, "contexts", string.Empty, (n, at) => new Context { Name = Text(n, "name", at), ContextDetails = Child(n, "context", at, Details) }),
        };
    }

    private static ClusterEndpoint Endpoint(YamlMappingNode n, string at) => new()
    {
        Server = Text(n, "server", at),
        CertificateAuthority = Text(n, "certificate-authority", at),
        CertificateAuthorityData = Text(n, "certificate-authority-data", at),
        TlsServerName = Text(n, "tls-server-name", at),
        SkipTlsVerify = Flag(n, "insecure-skip-tls-verify", at),
    };

    private static ContextDetails Details(YamlMappingNode n, string at) => new()
    {
        Cluster = Text(n, "cluster", at),
        User = Text(n, "user", at),
        Namespace = Text(n, "namespace", at),
    };

    private static UserCredentials Credentials(YamlMappingNode n, string at)
    {
        var user = new UserCredentials
        {
            ClientCertificateData = Text(n, "client-certificate-data", at),
            ClientCertificate = Text(n, "client-certificate", at),
            ClientKeyData = Text(n, "client-key-data", at),
            ClientKey = Text(n, "client-key", at),
            Token = Text(n, "token", at),
            Impersonate = Text(n, "as", at),
            UserName = Text(n, "username", at),
            Password = Text(n, "password", at),
            AuthProvider = Child(n, "auth-provider", at, (p, pat) => new AuthProvider { Name = Text(p, "name", pat), Config = Map(p, "config", pat) }),
            ExternalExecution = Child(n, "exec", at, Exec),
        };
        if (Items(n, "as-groups", at, Scalar) is { } groups)
        {
            user.ImpersonateGroups = [.. groups.Select(g => g ?? string.Empty)];
        }

        if (Map(n, "as-user-extra", at) is { } extra)
        {
            user.ImpersonateUserExtra = extra;
        }

        return user;
    }

    private static ExternalExecution Exec(YamlMappingNode n, string at) => new()
    {
        ApiVersion = Text(n, "apiVersion", at),
        Command = Text(n, "command", at),
        Arguments = Items(n, "args", at, Scalar)?.Select(a => a ?? string.Empty).ToList(),
        EnvironmentVariables = Objects(n, "env", at, Map)?.ToList(),
        InstallHint = Text(n, "installHint", at),
        ProvideClusterInfo = Flag(n, "provideClusterInfo", at),
    };

    private static readonly YamlScalarNode MergeKey = new("<<");

    /// <summary>A field of a mapping, its own or, failing that, one it merges in (<c>&lt;&lt;: *anchor</c>, YAML 1.1 merge keys, as kubectl reads them).</summary>
    private static YamlNode? Field(YamlMappingNode node, string name)
    {
        if (node.Children.TryGetValue(new YamlScalarNode(name), out var value))
        {
            return IsNull(value) ? null : value;
        }

        return Merged(node).Select(m => Field(m, name)).FirstOrDefault(v => v is not null);
    }

    private static IEnumerable<YamlMappingNode> Merged(YamlMappingNode node) => node.Children.TryGetValue(MergeKey, out var merged)
        ? merged switch
        {
            YamlMappingNode one => [one],
            YamlSequenceNode many => many.Children.OfType<YamlMappingNode>(),
            _ => [],
        }
        : [];

    private static string? Text(YamlMappingNode node, string name, string at) => Field(node, name) is { } value ? Scalar(value, Path(at, name)) : null;

    private static bool Flag(YamlMappingNode node, string name, string at) => Text(node, name, at) switch
    {
        null => false,
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        var other => throw new FormatException($"{Path(at, name)}: \"{other}\" is not true or false"),
    };

    private static T? Child<T>(YamlMappingNode node, string name, string at, Func<YamlMappingNode, string, T> read) where T : class =>
        Field(node, name) is { } value ? read(Mapping(value, Path(at, name)), Path(at, name)) : null;

    private static IEnumerable<T>? Objects<T>(YamlMappingNode node, string name, string at, Func<YamlMappingNode, string, T> read) =>
        Items(node, name, at, (item, itemAt) => read(Mapping(item, itemAt), itemAt));

    private static IEnumerable<T>? Items<T>(YamlMappingNode node, string name, string at, Func<YamlNode, string, T> read)
    {
        if (Field(node, name) is not { } value)
        {
            return null;
        }

        var list = value as YamlSequenceNode ?? throw new FormatException($"{Path(at, name)}: expected a list");
        return [.. list.Children.Select((item, i) => read(item, $"{Path(at, name)}[{i}]"))];
    }

    private static Dictionary<string, string>? Map(YamlMappingNode node, string name, string at) =>
        Field(node, name) is { } value ? Map(Mapping(value, Path(at, name)), Path(at, name)) : null;

    private static Dictionary<string, string> Map(YamlMappingNode node, string at)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var merged in Merged(node).Reverse())
        {
            foreach (var (key, value) in Map(merged, at))
            {
                map[key] = value;
            }
        }

        foreach (var (key, value) in node.Children.Where(p => !p.Key.Equals(MergeKey)))
        {
            map[Scalar(key, at)!] = IsNull(value) ? string.Empty : Scalar(value, at)!;
        }

        return map;
    }

    private static YamlMappingNode Mapping(YamlNode node, string at) => node as YamlMappingNode ?? throw new FormatException($"{at}: expected a mapping");

    private static string? Scalar(YamlNode node, string at) => node is YamlScalarNode scalar ? scalar.Value : throw new FormatException($"{at}: expected a single value");

    private static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string Path(string at, string name) => at.Length == 0 ? name : $"{at}.{name}";
}
