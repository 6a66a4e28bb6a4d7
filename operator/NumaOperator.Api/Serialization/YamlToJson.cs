using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace NumaOperator.Api.Serialization;

/// <summary>
/// Converts a YAML stream to one JSON document per YAML document, straight from the parser's events (no object
/// model in between: 10,000 objects convert in well under a second). Plain scalars resolve by the YAML 1.2 core
/// schema (null, true/false, integers, floats, else strings); quoted scalars and !!str stay strings. Aliases are
/// refused: Kubernetes objects printed by kubectl never use them, and refusing them makes alias bombs ("billion laughs")
/// impossible. Duplicate mapping keys are refused as kubectl refuses them (no silent last-wins), and so is nesting deeper
/// than <see cref="MaxDepth"/>.
/// </summary>
public static partial class YamlToJson
{
    /// <summary>A converted document: its 1-based index in the stream, the line it starts on, and its JSON (empty documents are skipped).</summary>
    public sealed record Document(int Index, int Line, byte[] Json);

    /// <summary>Deepest nesting of mappings and sequences accepted; a Kubernetes object is at most ~10 deep; below JsonDocument's default limit of 64.</summary>
    public const int MaxDepth = 48;

    /// <exception cref="ManifestException">The YAML is malformed; the message names the file, document, line and column.</exception>
    public static List<Document> Convert(TextReader yaml, string file)
    {
        var documents = new List<Document>();
        var parser = new Parser(yaml);
        var index = 0;
        try
        {
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out var start))
            {
                index++;
                var buffer = new ArrayBufferWriter<byte>();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    WriteValue(parser, writer, file, index, depth: 0);
                }

                parser.Consume<DocumentEnd>();
                if (!(buffer.WrittenCount == 4 && buffer.WrittenSpan.SequenceEqual("null"u8)))
                {
                    documents.Add(new Document(index, (int)start.Start.Line, buffer.WrittenSpan.ToArray()));
                }
            }

            parser.Consume<StreamEnd>();
        }
        catch (YamlException e)
        {
            throw new ManifestException(
                string.Create(CultureInfo.InvariantCulture, $"{file}: document {Math.Max(index, 1)}, line {e.Start.Line}, column {e.Start.Column}: not valid YAML: {e.Message}"),
                e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this on some truncated input (e.g. a plain scalar running into the end of an
            // unclosed flow mapping): still malformed YAML, still bad input.
            throw new ManifestException(
                string.Create(CultureInfo.InvariantCulture, $"{file}: document {Math.Max(index, 1)}, line {parser.Current?.Start.Line ?? 0}: not valid YAML: the input ends inside an unfinished structure"),
                e);
        }

        return documents;
    }

    private static void WriteValue(IParser parser, Utf8JsonWriter writer, string file, int document, int depth)
    {
        var current = parser.Current;
        if (depth > MaxDepth && current is MappingStart or SequenceStart)
        {
            throw new ManifestException(Where(file, document, current) + $": nested too deep (more than {MaxDepth} levels of mappings and lists); a Kubernetes object is never this deep");
        }

        switch (current)
        {
            case Scalar scalar:
                parser.MoveNext();
                WriteScalar(scalar, writer);
                break;
            case MappingStart:
                parser.MoveNext();
                writer.WriteStartObject();
                var keys = new HashSet<string>(StringComparer.Ordinal);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    if (parser.Current is not Scalar key)
                    {
                        throw new ManifestException(Where(file, document, parser.Current) + ": mapping keys must be plain strings");
                    }

                    if (!keys.Add(key.Value))
                    {
                        throw new ManifestException(Where(file, document, key) + $": mapping key \"{key.Value}\" already defined in this mapping (duplicate keys are refused, not overwritten)");
                    }

                    parser.MoveNext();
                    writer.WritePropertyName(key.Value);
                    WriteValue(parser, writer, file, document, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case SequenceStart:
                parser.MoveNext();
                writer.WriteStartArray();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    WriteValue(parser, writer, file, document, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case AnchorAlias alias:
                throw new ManifestException(Where(file, document, alias) + $": YAML aliases (*{alias.Value}) are not supported; write the value out");
            default:
                throw new ManifestException(Where(file, document, current) + ": unexpected YAML event " + current?.GetType().Name);
        }
    }

    private static string Where(string file, int document, ParsingEvent? at) =>
        at is null
            ? string.Create(CultureInfo.InvariantCulture, $"{file}: document {document}")
            : string.Create(CultureInfo.InvariantCulture, $"{file}: document {document}, line {at.Start.Line}, column {at.Start.Column}");

    private static void WriteScalar(Scalar scalar, Utf8JsonWriter writer)
    {
        var text = scalar.Value;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (scalar.Style != ScalarStyle.Plain || tag is "tag:yaml.org,2002:str" || tag is "!")
        {
            writer.WriteStringValue(text);
            return;
        }

        switch (Resolve(text))
        {
            case PlainKind.Null:
                writer.WriteNullValue();
                break;
            case PlainKind.True:
                writer.WriteBooleanValue(true);
                break;
            case PlainKind.False:
                writer.WriteBooleanValue(false);
                break;
            case PlainKind.Integer:
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    writer.WriteNumberValue(integer);
                }
                else
                {
                    writer.WriteNumberValue(decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
                }

                break;
            case PlainKind.Float:
                writer.WriteNumberValue(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteStringValue(text);
                break;
        }
    }

    internal enum PlainKind
    {
        String,
        Null,
        True,
        False,
        Integer,
        Float,
    }

    /// <summary>What a plain scalar means under the YAML 1.2 core schema (hex/octal/inf/nan stay strings: no Kubernetes field uses them).</summary>
    internal static PlainKind Resolve(string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return PlainKind.Null;
            case "true" or "True" or "TRUE":
                return PlainKind.True;
            case "false" or "False" or "FALSE":
                return PlainKind.False;
        }

        if (text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+' or '.'))
        {
            if (IntegerPattern().IsMatch(text))
            {
                return PlainKind.Integer;
            }

            if (FloatPattern().IsMatch(text))
            {
                return PlainKind.Float;
            }
        }

        return PlainKind.String;
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();
}
