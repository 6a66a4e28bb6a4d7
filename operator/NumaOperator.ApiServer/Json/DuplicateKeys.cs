using System.Text.Json;

namespace NumaOperator.ApiServer.Json;

/// <summary>
/// Finds object keys that occur more than once, at any depth. System.Text.Json's JsonNode keeps the last value
/// silently (as Go's decoder does), so this separate reader pass is what lets fieldValidation=Strict refuse them and
/// Warn name them, as the real API server's strict decoder (sigs.k8s.io/json) does.
/// </summary>
public static class DuplicateKeys
{
    /// <summary>
    /// The paths of the repeated keys in document order, each once: <c>spec.cpu.cores</c>, <c>spec.disks[1].name</c>,
    /// <c>[0].op</c> for a top-level array. Malformed JSON yields what was found before the error: the caller's
    /// parser reports the syntax error, so malformed bodies fail exactly as they did without this pass.
    /// </summary>
    public static IReadOnlyList<string> Find(ReadOnlySpan<byte> json)
    {
        var found = new List<string>();
        var open = new Stack<Container>();
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        open.Push(new Container(PathOfValue(open), []));
                        break;
                    case JsonTokenType.StartArray:
                        open.Push(new Container(PathOfValue(open), null));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        open.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        var container = open.Peek();
                        var key = reader.GetString()!;
                        container.PendingKey = key;
                        if (!container.Keys!.Add(key))
                        {
                            var path = Join(container.Path, key);
                            if (!found.Contains(path))
                            {
                                found.Add(path);
                            }
                        }

                        break;
                    default:
                        // A scalar: inside an array it takes up an index.
                        PathOfValue(open);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Malformed: the parser that reads the body reports it.
        }

        return found;
    }

    /// <summary>The path of the value that starts now, under the innermost open container (advancing an array's index).</summary>
    private static string PathOfValue(Stack<Container> open)
    {
        if (open.Count == 0)
        {
            return string.Empty;
        }

        var parent = open.Peek();
        if (parent.Keys is null)
        {
            parent.Index++;
            return $"{parent.Path}[{parent.Index}]";
        }

        return Join(parent.Path, parent.PendingKey ?? string.Empty);
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    /// <summary>An open object (Keys seen so far) or array (Keys null, Index of the last element).</summary>
    private sealed class Container(string path, HashSet<string>? keys)
    {
        public string Path { get; } = path;

        public HashSet<string>? Keys { get; } = keys;

        public string? PendingKey { get; set; }

        public int Index { get; set; } = -1;
    }
}
