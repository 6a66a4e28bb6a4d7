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
        TypeInfoResolver = ExplanationJsonContext.Default, // precompiled metadata, no reflection (Native AOT)
    };

    public static string Serialize(Explanation explanation) =>
        JsonSerializer.Serialize(explanation, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<Explanation>)Options.GetTypeInfo(typeof(Explanation)));
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(Explanation))]
internal sealed partial class ExplanationJsonContext : JsonSerializerContext;
