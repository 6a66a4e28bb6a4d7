using System.Text.Json.Nodes;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Http;

/// <summary>
/// The unaggregated discovery documents (/api, /apis, /apis/G, /api/v1, /apis/G/V). Clients that ask for aggregated
/// discovery get these with Content-Type application/json and fall back, as they do with older servers.
/// </summary>
public sealed class DiscoveryDocuments(ResourceRegistry registry)
{
    public const string KubernetesVersion = "v1.32.0";

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = KubernetesVersion + "+numa-operator",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.23.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public JsonObject Groups() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(registry.NamedGroups().Select(g => (JsonNode)Group(g.Group, g.Versions)).ToArray()),
    };

    public JsonObject? Group(string group)
    {
        var found = registry.NamedGroups().FirstOrDefault(g => g.Group == group);
        if (found.Group is null)
        {
            return null;
        }

        var document = Group(found.Group, found.Versions);
        document["kind"] = "APIGroup";
        document["apiVersion"] = "v1";
        return document;
    }

    public JsonObject? Resources(string group, string version)
    {
        var kinds = registry.InGroupVersion(group, version).ToList();
        if (kinds.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var kind in kinds)
        {
            var resource = new JsonObject
            {
                ["name"] = kind.Plural,
                ["singularName"] = kind.Singular,
                ["namespaced"] = kind.Namespaced,
                ["kind"] = kind.Kind,
                ["verbs"] = Strings(kind.Verbs),
            };
            if (kind.ShortNames.Count > 0)
            {
                resource["shortNames"] = Strings(kind.ShortNames);
            }

            if (kind.Categories.Count > 0)
            {
                resource["categories"] = Strings(kind.Categories);
            }

            resources.Add((JsonNode)resource);
            if (kind.HasStatusSubresource && !kind.ReadOnly)
            {
                resources.Add((JsonNode)new JsonObject
                {
                    ["name"] = kind.Plural + "/status",
                    ["singularName"] = string.Empty,
                    ["namespaced"] = kind.Namespaced,
                    ["kind"] = kind.Kind,
                    ["verbs"] = Strings(["get", "patch", "update"]),
                });
            }
        }

        var document = new JsonObject { ["kind"] = "APIResourceList" };
        if (group.Length > 0)
        {
            document["apiVersion"] = "v1";
        }

        document["groupVersion"] = group.Length == 0 ? version : group + "/" + version;
        document["resources"] = resources;
        return document;
    }

    private static JsonObject Group(string group, IReadOnlyList<string> versions) => new()
    {
        ["name"] = group,
        ["versions"] = new JsonArray(versions.Select(v => (JsonNode)GroupVersion(group, v)).ToArray()),
        ["preferredVersion"] = GroupVersion(group, versions[0]),
    };

    private static JsonObject GroupVersion(string group, string version) => new() { ["groupVersion"] = group + "/" + version, ["version"] = version };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
