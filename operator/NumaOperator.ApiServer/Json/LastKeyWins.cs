using System.Text.Json;
using System.Text.Json.Nodes;

namespace NumaOperator.ApiServer.Json;

/// <summary>
/// Parses a request body into a JsonNode where a repeated key keeps its last value, as Go's decoder (and so the real
/// API server) does. JsonNode.Parse accepts such input but its JsonObject throws ArgumentException ("An item with the
/// same key has already been added") on first use, which surfaced as a 500.
/// </summary>
public static class LastKeyWins
{
    /// <summary>Throws JsonException for malformed JSON, with the same message and depth limit (64) as JsonNode.Parse.</summary>
    public static JsonNode? Parse(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);

        // One clone detaches the values from the pooled document, which is returned on dispose.
        return ToNode(document.RootElement.Clone());
    }

    private static JsonNode? ToNode(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    // The indexer replaces an earlier value where Add would throw.
                    obj[property.Name] = ToNode(property.Value);
                }

                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(ToNode(item));
                }

                return array;
            case JsonValueKind.Null:
                return null;
            default:
                return JsonValue.Create(element);
        }
    }
}
