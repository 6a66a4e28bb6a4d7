using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NumaOperator.ApiServer.Http;

/// <summary>Reads and writes the metadata fields the server manages on a JSON object.</summary>
internal static partial class ObjectMetadata
{
    public static JsonObject Of(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject metadata)
        {
            obj["metadata"] = metadata = [];
        }

        return metadata;
    }

    public static string? String(JsonObject obj, string field) =>
        obj["metadata"] is JsonObject m && m[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static long Generation(JsonObject obj) =>
        obj["metadata"] is JsonObject m && m["generation"] is JsonValue v && v.TryGetValue<long>(out var g) ? g : 0;

    public static IReadOnlyList<string> Finalizers(JsonObject obj) =>
        obj["metadata"] is JsonObject m && m["finalizers"] is JsonArray a ? a.Select(f => f?.ToString() ?? string.Empty).ToList() : [];

    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Copies the fields clients may not change from the stored object onto an update.</summary>
    public static void KeepServerFields(JsonObject candidate, JsonObject current)
    {
        var target = Of(candidate);
        var source = Of(current);
        foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name" })
        {
            target.Remove(field);
            if (source[field] is { } value)
            {
                target[field] = value.DeepClone();
            }
        }
    }

    /// <summary>A DNS-1123 subdomain (most resource names): at most 253 characters of [a-z0-9-.], alphanumeric at both ends.</summary>
    public static bool IsDnsSubdomain(string name) => name.Length <= 253 && SubdomainRegex().IsMatch(name);

    /// <summary>A DNS-1123 label (namespace names): at most 63 characters of [a-z0-9-], alphanumeric at both ends.</summary>
    public static bool IsDnsLabel(string name) => name.Length <= 63 && LabelRegex().IsMatch(name);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex SubdomainRegex();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex LabelRegex();
}
