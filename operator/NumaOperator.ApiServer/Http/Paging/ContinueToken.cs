using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NumaOperator.ApiServer.Http.Paging;

/// <summary>
/// The continue token of a paged list, in the real server's format (apiserver/pkg/storage/continue.go): base64url
/// without padding of {"v":"meta.k8s.io/v1","rv":RV,"start":"KEY"}, where RV is the resourceVersion the list is
/// consistent at and KEY the first key of the next page ("namespace/name\0" or "name\0": the last key returned plus
/// a NUL, the smallest key after it). RV -1 continues at the current state (the token an expired one is answered with).
/// </summary>
public sealed record ContinueToken(long ResourceVersion, string StartNamespace, string StartName)
{
    private const string Version = "meta.k8s.io/v1";

    /// <summary>The token of the page after the item (namespace, name) at <paramref name="resourceVersion"/>.</summary>
    public static string After(long resourceVersion, string ns, string name) => new ContinueToken(resourceVersion, ns, name + "\0").Encode();

    public string Encode()
    {
        var key = StartNamespace.Length == 0 ? StartName : StartNamespace + "/" + StartName;
        var json = new JsonObject { ["v"] = Version, ["rv"] = ResourceVersion, ["start"] = key }.ToJsonString();
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <exception cref="FormatException">"continue key is not valid: ..." as the real server words it.</exception>
    public static ContinueToken Decode(string token, bool namespaced)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(Base64UrlDecode(token));
        }
        catch (Exception e) when (e is FormatException or JsonException or ArgumentException)
        {
            throw new FormatException($"continue key is not valid: {e.Message}");
        }

        if (parsed is not JsonObject obj || obj["v"] is not JsonValue v || !v.TryGetValue<string>(out var version) || version != Version)
        {
            throw new FormatException($"continue key is not valid: server does not recognize this encoded version \"{(parsed as JsonObject)?["v"]}\"");
        }

        if (obj["rv"] is not JsonValue rvValue || !rvValue.TryGetValue<long>(out var rv) || rv == 0 || rv < -1)
        {
            throw new FormatException("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
        }

        if (obj["start"] is not JsonValue startValue || !startValue.TryGetValue<string>(out var start) || start.Length == 0)
        {
            throw new FormatException("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
        }

        return Split(start, namespaced) is { } key ? key with { ResourceVersion = rv } : throw new FormatException($"continue key is not valid: {start}");
    }

    /// <summary>Whether (namespace, name) sorts at or after the start key: lists are ordered by namespace, then name.</summary>
    public bool Includes(string ns, string name)
    {
        var byNamespace = string.CompareOrdinal(ns, StartNamespace);
        return byNamespace > 0 || (byNamespace == 0 && string.CompareOrdinal(name, StartName) >= 0);
    }

    private static ContinueToken? Split(string start, bool namespaced)
    {
        // Like the real server's path.Clean check: no way to range outside the resource's keys.
        if (start.StartsWith('/') || start.Contains("/.", StringComparison.Ordinal) || start.StartsWith('.'))
        {
            return null;
        }

        var slash = start.IndexOf('/', StringComparison.Ordinal);
        if (!namespaced)
        {
            return slash < 0 ? new ContinueToken(0, string.Empty, start) : null;
        }

        return slash > 0 && start.IndexOf('/', slash + 1) < 0 ? new ContinueToken(0, start[..slash], start[(slash + 1)..]) : null;
    }

    private static byte[] Base64UrlDecode(string token)
    {
        var base64 = token.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }
}
