using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace NumaOperator.Api.Serialization;

/// <summary>
/// The JSON conventions of Kubernetes objects as this project reads and writes them: nulls omitted, times as RFC 3339
/// UTC seconds ("2026-11-29T10:00:00Z", metav1.Time), unknown fields rejected when reading (like kubectl's strict
/// field validation), so a misspelt field is an error rather than silently ignored.
/// </summary>
public static class KubeJson
{
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    public static JsonSerializerOptions IndentedOptions { get; } = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            WriteIndented = indented,
            // Precompiled metadata for what manifests hold (the v1alpha1 kinds, a List of them), no reflection.
            TypeInfoResolver = JsonTypeInfoResolver.Combine(V1Alpha1Json.Default, ManifestJson.Default),
        };
        options.Converters.Add(new Rfc3339DateTimeConverter());
        options.MakeReadOnly();
        return options;
    }

    /// <summary>The metadata of <typeparamref name="T"/> under <paramref name="options"/> (one of this class's).</summary>
    public static JsonTypeInfo<T> Info<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    /// <summary>metav1.Time: RFC 3339 in UTC with whole seconds.</summary>
    private sealed class Rfc3339DateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            if (text is null || !DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value))
            {
                throw new JsonException($"\"{text}\" is not an RFC 3339 time such as 2026-11-29T10:00:00Z");
            }

            return value;
        }

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }
}

/// <summary>Source-generated metadata for a <see cref="KubeList"/> of objects (each item is written as its own type).</summary>
[JsonSerializable(typeof(KubeList))]
internal sealed partial class ManifestJson : JsonSerializerContext;
