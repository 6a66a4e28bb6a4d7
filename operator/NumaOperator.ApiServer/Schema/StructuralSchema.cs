using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace NumaOperator.ApiServer.Schema;

/// <summary>
/// One node of a CRD's structural OpenAPI v3 schema, compiled once (regexes built, keywords typed) so the embedded
/// API server can prune, default and validate many objects against it. Build it with <see cref="FromCrd"/> or
/// <see cref="FromJson"/>; use it through <see cref="CustomResourceSchemaAdmission"/>.
/// </summary>
public sealed class StructuralSchema
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    public string? Type { get; private init; }

    public string? Format { get; private init; }

    public bool Nullable { get; private init; }

    public bool PreserveUnknownFields { get; private init; }

    public bool IntOrString { get; private init; }

    public bool EmbeddedResource { get; private init; }

    public IReadOnlyDictionary<string, StructuralSchema> Properties { get; private init; } = new Dictionary<string, StructuralSchema>();

    public StructuralSchema? AdditionalProperties { get; private init; }

    public StructuralSchema? Items { get; private init; }

    public IReadOnlyList<string> Required { get; private init; } = [];

    public IReadOnlyList<JsonNode?>? Enum { get; private init; }

    public string? PatternText { get; private init; }

    public Regex? Pattern { get; private init; }

    public double? Minimum { get; private init; }

    public double? Maximum { get; private init; }

    public bool ExclusiveMinimum { get; private init; }

    public bool ExclusiveMaximum { get; private init; }

    public long? MaxLength { get; private init; }

    public long? MinLength { get; private init; }

    public long? MaxItems { get; private init; }

    public long? MinItems { get; private init; }

    public long? MaxProperties { get; private init; }

    public JsonNode? Default { get; private init; }

    /// <summary>Compiles the openAPIV3Schema of a CRD version.</summary>
    public static StructuralSchema FromCrd(V1JSONSchemaProps schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var json = JsonNode.Parse(KubernetesJson.Serialize(schema)) as JsonObject
            ?? throw new ArgumentException("the schema did not serialize to a JSON object", nameof(schema));
        return FromJson(json);
    }

    /// <summary>Compiles a schema given as JSON (the openAPIV3Schema object of a CRD).</summary>
    public static StructuralSchema FromJson(JsonObject schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var pattern = schema["pattern"]?.GetValue<string>();
        var properties = new Dictionary<string, StructuralSchema>(StringComparer.Ordinal);
        if (schema["properties"] is JsonObject props)
        {
            foreach (var (name, child) in props)
            {
                if (child is JsonObject childSchema)
                {
                    properties[name] = FromJson(childSchema);
                }
            }
        }

        return new StructuralSchema
        {
            Type = schema["type"]?.GetValue<string>(),
            Format = schema["format"]?.GetValue<string>(),
            Nullable = Flag(schema, "nullable"),
            PreserveUnknownFields = Flag(schema, "x-kubernetes-preserve-unknown-fields"),
            IntOrString = Flag(schema, "x-kubernetes-int-or-string"),
            EmbeddedResource = Flag(schema, "x-kubernetes-embedded-resource"),
            Properties = properties,
            AdditionalProperties = schema["additionalProperties"] is JsonObject additional ? FromJson(additional) : null,
            Items = schema["items"] is JsonObject items ? FromJson(items) : null,
            Required = schema["required"] is JsonArray required ? [.. required.Select(r => r!.GetValue<string>())] : [],
            Enum = schema["enum"] is JsonArray values ? [.. values.Select(v => v?.DeepClone())] : null,
            PatternText = pattern,
            Pattern = pattern is null ? null : new Regex(pattern, RegexOptions.CultureInvariant, RegexTimeout),
            Minimum = Number(schema, "minimum"),
            Maximum = Number(schema, "maximum"),
            ExclusiveMinimum = Flag(schema, "exclusiveMinimum"),
            ExclusiveMaximum = Flag(schema, "exclusiveMaximum"),
            MaxLength = Whole(schema, "maxLength"),
            MinLength = Whole(schema, "minLength"),
            MaxItems = Whole(schema, "maxItems"),
            MinItems = Whole(schema, "minItems"),
            MaxProperties = Whole(schema, "maxProperties"),
            Default = schema["default"]?.DeepClone(),
        };
    }

    /// <summary>The schema of a field of this object, or of each value when it is a map; null when the field is unknown.</summary>
    public StructuralSchema? Field(string name) =>
        Properties.TryGetValue(name, out var property) ? property : AdditionalProperties;

    private static bool Flag(JsonObject schema, string name) =>
        schema[name] is JsonValue value && value.GetValueKind() == JsonValueKind.True;

    private static double? Number(JsonObject schema, string name) =>
        schema[name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? value.GetValue<double>() : null;

    private static long? Whole(JsonObject schema, string name) =>
        schema[name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? (long)value.GetValue<double>() : null;
}
