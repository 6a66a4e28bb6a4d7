using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace NumaOperator.ApiServer.Http;

/// <summary>
/// The OpenAPI v2 document of /openapi/v2, in the protobuf form kubectl asks for (gnostic's openapi.v2.Document,
/// <see cref="ProtobufMediaType"/>) and as JSON. kubectl reads it only when it must validate on the client: a
/// <c>kind: List</c> manifest (what <c>kubectl get -o yaml</c> writes), because kubectl treats v1 List as a kind that
/// cannot use the server's fieldValidation and then validates each item against these definitions. The definitions
/// are the component schemas of this server's OpenAPI v3 documents, converted as kube-apiserver publishes CRD schemas
/// in v2: references point at #/definitions, allOf of one reference becomes that reference, nullable drops the type,
/// anyOf/oneOf/not are left out. Paths stay empty: kubectl learns about fieldValidation from /openapi/v3. Pure.
/// </summary>
public static class OpenApiV2Document
{
    /// <summary>What kube-apiserver answers with (Go's mime parser refuses the '@' of the older name).</summary>
    public const string ProtobufMediaType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

    /// <summary>Accept headers asking for protobuf name it either way ("...spec.v2@v1.0+protobuf" is what kubectl sends).</summary>
    public static bool AcceptsProtobuf(string accept) =>
        (accept ?? string.Empty).Contains("com.github.proto-openapi.spec.v2", StringComparison.Ordinal);

    /// <summary>The v2 document (JSON) of the component schemas of <paramref name="v3Documents"/>; a name defined twice keeps its first schema.</summary>
    public static JsonObject Build(IEnumerable<JsonObject> v3Documents, string kubernetesVersion)
    {
        ArgumentNullException.ThrowIfNull(v3Documents);
        var definitions = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var document in v3Documents)
        {
            foreach (var (name, schema) in document["components"]?["schemas"] as JsonObject ?? [])
            {
                if (schema is JsonObject s && !definitions.ContainsKey(name))
                {
                    definitions[name] = Convert(s);
                }
            }
        }

        var definitionsObject = new JsonObject();
        foreach (var (name, schema) in definitions)
        {
            definitionsObject[name] = schema;
        }

        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = kubernetesVersion },
            ["paths"] = new JsonObject(),
            ["definitions"] = definitionsObject,
        };
    }

    /// <summary>The document as gnostic's openapi.v2.Document protobuf message.</summary>
    public static byte[] ToProtobuf(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var writer = new ProtoWriter();
        writer.String(1, (string?)document["swagger"]);
        writer.Message(2, info =>
        {
            info.String(1, (string?)document["info"]?["title"]);
            info.String(2, (string?)document["info"]?["version"]);
        });
        writer.Message(8, _ => { });
        writer.Message(9, definitions =>
        {
            foreach (var (name, schema) in document["definitions"] as JsonObject ?? [])
            {
                definitions.Message(1, named => Named(named, name, schema!.AsObject()));
            }
        });
        return writer.ToArray();
    }

    /// <summary>One schema from OpenAPI v3 (structural CRD schema) to v2.</summary>
    private static JsonObject Convert(JsonObject schema)
    {
        if (schema["allOf"] is JsonArray { Count: 1 } single && single[0] is JsonObject only && only.ContainsKey("$ref"))
        {
            return Convert(only); // v2 references take no siblings
        }

        var converted = new JsonObject();
        var nullable = schema["nullable"] is JsonValue n && n.TryGetValue<bool>(out var isNullable) && isNullable;
        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "nullable" or "anyOf" or "oneOf" or "not":
                    break;
                case "type" when nullable:
                    break;
                case "$ref":
                    converted[key] = ((string?)value)?.Replace("#/components/schemas/", "#/definitions/", StringComparison.Ordinal);
                    break;
                case "properties":
                    var properties = new JsonObject();
                    foreach (var (name, property) in value!.AsObject())
                    {
                        properties[name] = Convert(property!.AsObject());
                    }

                    converted[key] = properties;
                    break;
                case "items" or "additionalProperties" when value is JsonObject sub:
                    converted[key] = Convert(sub);
                    break;
                case "allOf":
                    converted[key] = new JsonArray([.. value!.AsArray().OfType<JsonObject>().Select(s => (JsonNode)Convert(s))]);
                    break;
                default:
                    converted[key] = value?.DeepClone();
                    break;
            }
        }

        return converted;
    }

    private static void Named(ProtoWriter named, string name, JsonObject schema)
    {
        named.String(1, name);
        named.Message(2, s => Schema(s, schema));
    }

    /// <summary>openapi.v2.Schema: the field numbers of gnostic's OpenAPIv2.proto.</summary>
    private static void Schema(ProtoWriter w, JsonObject schema)
    {
        w.String(1, (string?)schema["$ref"]);
        w.String(2, (string?)schema["format"]);
        w.String(3, (string?)schema["title"]);
        w.String(4, (string?)schema["description"]);
        AnyField(w, 5, schema["default"]);
        w.Double(6, Number(schema["multipleOf"]));
        w.Double(7, Number(schema["maximum"]));
        w.Bool(8, Flag(schema["exclusiveMaximum"]));
        w.Double(9, Number(schema["minimum"]));
        w.Bool(10, Flag(schema["exclusiveMinimum"]));
        w.Int64(11, Integer(schema["maxLength"]));
        w.Int64(12, Integer(schema["minLength"]));
        w.String(13, (string?)schema["pattern"]);
        w.Int64(14, Integer(schema["maxItems"]));
        w.Int64(15, Integer(schema["minItems"]));
        w.Bool(16, Flag(schema["uniqueItems"]));
        w.Int64(17, Integer(schema["maxProperties"]));
        w.Int64(18, Integer(schema["minProperties"]));
        foreach (var required in schema["required"] as JsonArray ?? [])
        {
            w.String(19, (string?)required, always: true);
        }

        foreach (var value in schema["enum"] as JsonArray ?? [])
        {
            AnyField(w, 20, value, always: true);
        }

        switch (schema["additionalProperties"])
        {
            case JsonObject additional:
                w.Message(21, item => item.Message(1, s => Schema(s, additional)));
                break;
            case JsonValue allowed when allowed.TryGetValue<bool>(out var flag):
                w.Message(21, item => item.Bool(2, flag, always: true));
                break;
        }

        if ((string?)schema["type"] is { } type)
        {
            w.Message(22, t => t.String(1, type));
        }

        if (schema["items"] is JsonObject items)
        {
            w.Message(23, i => i.Message(1, s => Schema(s, items)));
        }

        foreach (var part in (schema["allOf"] as JsonArray ?? []).OfType<JsonObject>())
        {
            w.Message(24, s => Schema(s, part));
        }

        if (schema["properties"] is JsonObject properties)
        {
            w.Message(25, p =>
            {
                foreach (var (name, property) in properties)
                {
                    p.Message(1, named => Named(named, name, property!.AsObject()));
                }
            });
        }

        w.Bool(27, Flag(schema["readOnly"]));
        AnyField(w, 30, schema["example"]);
        foreach (var (key, value) in schema.Where(kv => kv.Key.StartsWith("x-", StringComparison.Ordinal)))
        {
            w.Message(31, named =>
            {
                named.String(1, key);
                named.Message(2, any => any.String(2, Yaml(value), always: true));
            });
        }
    }

    /// <summary>openapi.v2.Any carries a value as YAML (field 2); JSON text is YAML.</summary>
    private static void AnyField(ProtoWriter w, int field, JsonNode? value, bool always = false)
    {
        if (value is not null || always)
        {
            w.Message(field, any => any.String(2, Yaml(value), always: true));
        }
    }

    private static string Yaml(JsonNode? value) => value?.ToJsonString() ?? "null";

    private static double Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : 0;

    private static long Integer(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var l) ? l : 0;

    private static bool Flag(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>Protocol buffers wire format, proto3: fields at their default value are not written.</summary>
    private sealed class ProtoWriter
    {
        private readonly ArrayBufferWriter<byte> buffer = new();

        public byte[] ToArray() => buffer.WrittenSpan.ToArray();

        public void String(int field, string? value, bool always = false)
        {
            if (value is null || (value.Length == 0 && !always))
            {
                return;
            }

            Bytes(field, Encoding.UTF8.GetBytes(value));
        }

        public void Bool(int field, bool value, bool always = false)
        {
            if (value || always)
            {
                Tag(field, 0);
                Varint(value ? 1UL : 0UL);
            }
        }

        public void Int64(int field, long value)
        {
            if (value != 0)
            {
                Tag(field, 0);
                Varint(unchecked((ulong)value));
            }
        }

        public void Double(int field, double value)
        {
            if (value != 0)
            {
                Tag(field, 1);
                BinaryPrimitives.WriteDoubleLittleEndian(buffer.GetSpan(8), value);
                buffer.Advance(8);
            }
        }

        /// <summary>An embedded message, written even when empty (it is present).</summary>
        public void Message(int field, Action<ProtoWriter> write)
        {
            var inner = new ProtoWriter();
            write(inner);
            Bytes(field, inner.ToArray());
        }

        private void Bytes(int field, byte[] bytes)
        {
            Tag(field, 2);
            Varint((ulong)bytes.Length);
            buffer.Write(bytes);
        }

        private void Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                buffer.Write([(byte)(value | 0x80)]);
                value >>= 7;
            }

            buffer.Write([(byte)value]);
        }
    }
}
