using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NumaOperator.Cli.Explaining;

/// <summary>The machine form of an <see cref="Explanation"/> (<c>-o json</c>): camelCase, indented, nulls kept so every key is always present.</summary>
public static class ExplanationJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // "×" and "<" stay readable; JSON strings escape control characters anyway
    };

    public static string Serialize(Explanation explanation) => JsonSerializer.Serialize(explanation, Options);
}
