using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace NumaOperator.Cli.Standalone;

/// <summary>
/// Registers this host as a core/v1 Node so the controller can schedule onto it (it needs a Node and the agent's
/// NumaNodeTopology of the same name). The kubelet would do this in a cluster; standalone has none.
/// </summary>
public static class NodeRegistration
{
    public const string HostnameLabel = "kubernetes.io/hostname";

    /// <summary>The default --node-name: this host's name in lower case (Node names are DNS subdomains).</summary>
    public static string DefaultNodeName() => Environment.MachineName.ToLowerInvariant();

    /// <summary>Kubernetes node names: DNS-1123 subdomain, at most 253 characters.</summary>
    public static void Validate(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var ok = name.Length is > 0 and <= 253
            && name.Split('.').All(part => part.Length is > 0 and <= 63
                && char.IsAsciiLetterLower(part[0]) | char.IsAsciiDigit(part[0])
                && char.IsAsciiLetterLower(part[^1]) | char.IsAsciiDigit(part[^1])
                && part.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'));
        if (!ok)
        {
            throw new BadInputException($"--node-name \"{name}\": must be a DNS subdomain: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters");
        }
    }

    /// <summary>Creates the Node, or makes sure an existing one (from an earlier run) carries the hostname label and is schedulable.</summary>
    public static async Task<V1Node> EnsureAsync(IKubernetes client, string nodeName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            var existing = await client.CoreV1.ReadNodeAsync(nodeName, cancellationToken: ct);
            if (existing.Metadata.Labels?.TryGetValue(HostnameLabel, out var value) == true && value == nodeName && existing.Spec?.Unschedulable != true)
            {
                return existing;
            }

            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [HostnameLabel] = nodeName } },
                ["spec"] = new JsonObject { ["unschedulable"] = null },
            };
            return await client.CoreV1.PatchNodeAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), nodeName, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            var node = new V1Node
            {
                ApiVersion = "v1",
                Kind = "Node",
                Metadata = new V1ObjectMeta
                {
                    Name = nodeName,
                    Labels = new Dictionary<string, string>
                    {
                        [HostnameLabel] = nodeName,
                        ["kubernetes.io/os"] = "linux",
                        ["node-role.kubernetes.io/standalone"] = string.Empty,
                    },
                },
            };
            return await client.CoreV1.CreateNodeAsync(node, cancellationToken: ct);
        }
    }
}
