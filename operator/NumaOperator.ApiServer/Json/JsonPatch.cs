using System.Globalization;
using System.Text.Json.Nodes;

namespace NumaOperator.ApiServer.Json;

/// <summary>RFC 6902 JSON patch (add, remove, replace, move, copy, test) on a JSON document.</summary>
public static class JsonPatch
{
    /// <param name="maxCopyBytes">What all "copy" operations may add, in serialized bytes: each copy can double the document.</param>
    /// <exception cref="FormatException">An operation is malformed, or a path does not exist, or a test fails, or the copies add too much.</exception>
    public static JsonNode? Apply(JsonNode? document, JsonArray operations, long maxCopyBytes = long.MaxValue)
    {
        var copied = 0L;
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op || op["op"]?.GetValue<string>() is not { } name || op["path"]?.GetValue<string>() is not { } path)
            {
                throw new FormatException("each JSON patch operation needs \"op\" and \"path\"");
            }

            switch (name)
            {
                case "add":
                    document = Add(document, path, Required(op, "value"));
                    break;
                case "remove":
                    document = Remove(document, path, out _);
                    break;
                case "replace":
                    document = Remove(document, path, out _);
                    document = Add(document, path, Required(op, "value"));
                    break;
                case "move":
                    document = Remove(document, From(op), out var moved);
                    document = Add(document, path, moved);
                    break;
                case "copy":
                    var value = Resolve(document, From(op));
                    copied += System.Text.Encoding.UTF8.GetByteCount(value?.ToJsonString() ?? "null");
                    if (copied > maxCopyBytes)
                    {
                        // evanphx/json-patch's AccumulatedCopySizeError, which the real server answers with 422.
                        throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"Unable to complete the copy, the accumulated size increase of copy is {copied}, exceeding the limit {maxCopyBytes}"));
                    }

                    document = Add(document, path, value?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(document, path), op["value"]))
                    {
                        throw new FormatException($"testing value {path} failed");
                    }

                    break;
                default:
                    throw new FormatException($"Unexpected kind: {name}");
            }
        }

        return document;
    }

    private static JsonNode? Required(JsonObject op, string property) =>
        op.TryGetPropertyValue(property, out var value) ? value?.DeepClone() : throw new FormatException($"JSON patch \"{op["op"]}\" operation needs \"{property}\"");

    private static string From(JsonObject op) =>
        op["from"]?.GetValue<string>() ?? throw new FormatException($"JSON patch \"{op["op"]}\" operation needs \"from\"");

    private static List<string> Tokens(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (!path.StartsWith('/'))
        {
            throw new FormatException($"JSON pointer \"{path}\" must start with /");
        }

        return path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static JsonNode? Resolve(JsonNode? node, string path)
    {
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
                JsonArray array when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count => array[i],
                _ => throw new FormatException($"doc is missing path: \"{path}\""),
            };
        }

        return node;
    }

    private static JsonNode? Add(JsonNode? document, string path, JsonNode? value)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0)
        {
            return value;
        }

        var parent = Resolve(document, Parent(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array when last == "-":
                array.Add(value);
                break;
            case JsonArray array when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= array.Count:
                array.Insert(i, value);
                break;
            default:
                throw new FormatException($"doc is missing path: \"{path}\"");
        }

        return document;
    }

    private static JsonNode? Remove(JsonNode? document, string path, out JsonNode? removed)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0)
        {
            removed = document;
            return null;
        }

        var parent = Resolve(document, Parent(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj when obj.TryGetPropertyValue(last, out var value):
                obj.Remove(last);
                removed = value;
                break;
            case JsonArray array when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count:
                removed = array[i];
                array.RemoveAt(i);
                break;
            default:
                throw new FormatException($"Unable to remove nonexistent key: {last}: missing value");
        }

        return document;
    }

    private static string Parent(List<string> tokens) =>
        tokens.Count == 1 ? string.Empty : "/" + string.Join('/', tokens.Take(tokens.Count - 1).Select(Escape));

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
