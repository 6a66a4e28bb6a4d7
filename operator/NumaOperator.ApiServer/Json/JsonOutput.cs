using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NumaOperator.ApiServer.Json;

/// <summary>Serialization as Go's encoding/json writes it: quotes escaped as \", no \u0022 or \u003C surprises.</summary>
public static class JsonOutput
{
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Utf8(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Options);
}
