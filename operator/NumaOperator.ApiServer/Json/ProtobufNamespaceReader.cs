using System.Text;
using System.Text.Json.Nodes;

namespace NumaOperator.ApiServer.Json;

/// <summary>
/// Decodes the one protobuf body kubectl sends to this server: a Namespace from <c>kubectl create namespace</c>
/// (typed clients post core types as application/vnd.kubernetes.protobuf and do not fall back to JSON). Reads the
/// "k8s\0" envelope (runtime.Unknown) and the Namespace's name, generateName, labels, annotations and spec.finalizers.
/// </summary>
public static class ProtobufNamespaceReader
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    /// <exception cref="FormatException">Not a protobuf-encoded v1 Namespace.</exception>
    public static JsonObject Read(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw new FormatException("the protobuf body does not start with the k8s envelope");
        }

        string? kind = null;
        byte[]? raw = null;
        foreach (var (field, value) in Fields(body[Magic.Length..].ToArray()))
        {
            if (field == 1)
            {
                kind = Fields(value).Where(f => f.Field == 2).Select(f => Encoding.UTF8.GetString(f.Value)).FirstOrDefault();
            }
            else if (field == 2)
            {
                raw = value;
            }
        }

        if (kind != "Namespace" || raw is null)
        {
            throw new FormatException($"only a protobuf v1 Namespace is understood here, not {kind ?? "an unknown kind"}; send JSON");
        }

        var metadata = new JsonObject();
        var finalizers = new JsonArray();
        foreach (var (field, value) in Fields(raw))
        {
            if (field == 1)
            {
                ReadMetadata(value, metadata);
            }
            else if (field == 2)
            {
                foreach (var finalizer in Fields(value).Where(f => f.Field == 1))
                {
                    finalizers.Add((JsonNode)JsonValue.Create(Encoding.UTF8.GetString(finalizer.Value)));
                }
            }
        }

        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = metadata };
        if (finalizers.Count > 0)
        {
            ns["spec"] = new JsonObject { ["finalizers"] = finalizers };
        }

        return ns;
    }

    private static void ReadMetadata(byte[] message, JsonObject metadata)
    {
        foreach (var (field, value) in Fields(message))
        {
            switch (field)
            {
                case 1 or 2 when value.Length > 0:
                    metadata[field == 1 ? "name" : "generateName"] = Encoding.UTF8.GetString(value);
                    break;
                case 11 or 12:
                    var name = field == 11 ? "labels" : "annotations";
                    if (metadata[name] is not JsonObject map)
                    {
                        metadata[name] = map = [];
                    }

                    var entry = Fields(value).ToList();
                    var key = entry.Where(f => f.Field == 1).Select(f => Encoding.UTF8.GetString(f.Value)).FirstOrDefault() ?? string.Empty;
                    map[key] = entry.Where(f => f.Field == 2).Select(f => Encoding.UTF8.GetString(f.Value)).FirstOrDefault() ?? string.Empty;
                    break;
            }
        }
    }

    /// <summary>The length-delimited fields of a message (other wire types are skipped).</summary>
    private static List<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var fields = new List<(int, byte[])>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message, ref position);
            var wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0:
                    Varint(message, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    if (length < 0 || position + length > message.Length)
                    {
                        throw new FormatException("truncated protobuf field");
                    }

                    fields.Add(((int)(tag >> 3), message[position..(position + length)]));
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new FormatException($"unsupported protobuf wire type {wireType}");
            }
        }

        return fields;
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= message.Length)
            {
                throw new FormatException("truncated protobuf varint");
            }

            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new FormatException("protobuf varint too long");
    }
}
