using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace NumaOperator.Packaging.Tests;

/// <summary>Writes a JSON value as a Lua table constructor, as Argo CD hands an object to a health check.</summary>
public static class LuaLiteral
{
    public static string From(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(node, text);
        return text.ToString();
    }

    private static void Write(JsonNode? node, StringBuilder text)
    {
        switch (node)
        {
            case null:
                text.Append("nil");
                break;
            case JsonObject map:
                text.Append('{');
                foreach (var (key, value) in map)
                {
                    text.Append('[').Append(Quote(key)).Append("]=");
                    Write(value, text);
                    text.Append(',');
                }

                text.Append('}');
                break;
            case JsonArray list:
                text.Append('{');
                foreach (var item in list)
                {
                    Write(item, text);
                    text.Append(',');
                }

                text.Append('}');
                break;
            case JsonValue value when value.TryGetValue<bool>(out var flag):
                text.Append(flag ? "true" : "false");
                break;
            case JsonValue value when value.TryGetValue<long>(out var integer):
                text.Append(integer.ToString(CultureInfo.InvariantCulture));
                break;
            case JsonValue value when value.TryGetValue<double>(out var real):
                text.Append(real.ToString("R", CultureInfo.InvariantCulture));
                break;
            case JsonValue value:
                text.Append(Quote(value.GetValue<string>()));
                break;
        }
    }

    private static string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append("\\\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append("\\n"),
                '\r' => text.Append("\\r"),
                _ when char.IsControl(c) => text.Append("\\u{").Append(((int)c).ToString("x", CultureInfo.InvariantCulture)).Append('}'),
                _ => text.Append(c),
            };
        }

        return text.Append('"').ToString();
    }
}
