using System.Globalization;
using System.Text.Json;
using k8s;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace NumaOperator.Api.Serialization;

/// <summary>
/// Writes a JSON value as one YAML document that reads back to the same JSON: strings that would read as numbers,
/// booleans or null are quoted. Block style, two-space indents, no line folding. Through YamlDotNet's emitter alone
/// (no reflection), so a Native AOT build prints YAML as the JIT build does.
/// </summary>
public static class JsonAsYaml
{
    /// <summary>A KubernetesClient object (a CRD, a NumaNodeTopology) as YAML: KubernetesClient's JSON, with its names and omissions, then YAML.</summary>
    public static string FromKubernetesObject(object value)
    {
        using var json = JsonDocument.Parse(KubernetesJson.Serialize(value));
        using var yaml = new StringWriter(CultureInfo.InvariantCulture);
        Write(json.RootElement, yaml);
        return yaml.ToString();
    }

    public static void Write(JsonElement element, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var emitter = new Emitter(output, new EmitterSettings(bestIndent: 2, bestWidth: int.MaxValue, isCanonical: false, maxSimpleKeyLength: 1024));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        EmitYaml(element, emitter);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
    }

    private static void EmitYaml(JsonElement element, IEmitter emitter)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, MappingStyle.Block));
                foreach (var property in element.EnumerateObject())
                {
                    EmitString(property.Name, emitter);
                    EmitYaml(property.Value, emitter);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonValueKind.Array:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, SequenceStyle.Block));
                foreach (var item in element.EnumerateArray())
                {
                    EmitYaml(item, emitter);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case JsonValueKind.String:
                EmitString(element.GetString()!, emitter);
                break;
            case JsonValueKind.Null:
                EmitPlain("null", emitter);
                break;
            default: // numbers and booleans: their JSON text is valid plain YAML with the same meaning
                EmitPlain(element.GetRawText(), emitter);
                break;
        }
    }

    private static void EmitString(string value, IEmitter emitter)
    {
        // A string that would read back as something else, or that YAML 1.1 readers (yes/no/on/off) take for booleans, is quoted.
        var ambiguous = YamlToJson.Resolve(value) != YamlToJson.PlainKind.String
            || value is "y" or "Y" or "yes" or "Yes" or "YES" or "n" or "N" or "no" or "No" or "NO" or "on" or "On" or "ON" or "off" or "Off" or "OFF"
            || (value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] is '.' or '-' or '+') && value.Contains(':', StringComparison.Ordinal));
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value, ambiguous ? ScalarStyle.DoubleQuoted : ScalarStyle.Any, isPlainImplicit: true, isQuotedImplicit: true));
    }

    private static void EmitPlain(string text, IEmitter emitter) =>
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: true));
}
