using System.Text.Json.Nodes;

namespace NumaOperator.ApiServer.Json;

/// <summary>
/// Evaluates the JSONPath subset printer columns use: ".a.b", ".a[0].b", ".a[*].b" and ".a[?(@.type=="Ready")].status".
/// A missing field yields null (an empty cell), as kubectl shows it.
/// </summary>
public static class PrinterColumnPath
{
    public static JsonNode? Evaluate(JsonNode? root, string path)
    {
        var node = root;
        var i = 0;
        while (node is not null && i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = i + 1;
                while (end < path.Length && path[end] is not ('.' or '['))
                {
                    end++;
                }

                node = node is JsonObject obj ? obj[path[(i + 1)..end]] : null;
                i = end;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || node is not JsonArray array)
                {
                    return null;
                }

                var inner = path[(i + 1)..end];
                // [*] and filters yield their first match: a table cell shows one value, as the real server's does.
                node = inner == "*" ? array.FirstOrDefault()
                    : inner.StartsWith("?(@.", StringComparison.Ordinal) ? Filter(array, inner)
                    : int.TryParse(inner, out var index) && index < array.Count ? array[index] : null;
                i = end + 1;
            }
            else
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>?(@.field=="value"): the first element whose field equals value.</summary>
    private static JsonNode? Filter(JsonArray array, string filter)
    {
        var body = filter[4..^1];
        var at = body.IndexOf("==", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var field = body[..at];
        var value = body[(at + 2)..].Trim('"', '\'');
        return array.FirstOrDefault(e => e is JsonObject o && o[field]?.ToString() == value);
    }
}
