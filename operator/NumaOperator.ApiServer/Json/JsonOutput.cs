using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace NumaOperator.ApiServer.Json;

/// <summary>Serialization as Go's encoding/json writes it: quotes escaped as \", no \u0022 or \u003C surprises.</summary>
public static class JsonOutput
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = JsonNodeJson.Default, // trees only: precompiled metadata, no reflection (Native AOT)
    };

    private static readonly JsonTypeInfo<JsonNode> NodeInfo = (JsonTypeInfo<JsonNode>)Options.GetTypeInfo(typeof(JsonNode));

    public static byte[] Utf8(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, NodeInfo);
}

[JsonSerializable(typeof(JsonNode))]
internal sealed partial class JsonNodeJson : JsonSerializerContext;
