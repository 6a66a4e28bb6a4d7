using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NumaOperator.Api.Validation;

namespace NumaOperator.ApiServer.Schema;

/// <summary>
/// Checks a (pruned, defaulted) custom resource against its structural schema: type, nullable, required, enum,
/// pattern, minimum/maximum, minLength/maxLength, minItems/maxItems, maxProperties, date-time and int-or-string.
/// Errors carry the field paths and the wording of the real API server (kube-openapi), e.g.
/// <c>spec.cpu.cores: Invalid value: 0: spec.cpu.cores in body should be greater than or equal to 1</c>.
/// CEL rules (x-kubernetes-validations) are not evaluated here: NumaVirtualMachineValidator implements them.
/// </summary>
public static partial class SchemaValidation
{
    /// <summary>
    /// The errors of <paramref name="resource"/>; on an update, the top-level fields equal to <paramref name="previous"/>'s
    /// are not judged again, as the real server's validation ratcheting drops errors of unchanged fields (a status write
    /// does not validate the spec again, nor a spec write the status).
    /// </summary>
    public static IReadOnlyList<FieldError> ValidateObject(StructuralSchema schema, JsonObject resource, JsonObject? previous = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(resource);
        var errors = new List<FieldError>();
        ValidateFields(schema, resource, string.Empty, errors, isRoot: true, previous);
        return errors;
    }

    private static void Validate(StructuralSchema schema, JsonNode? node, string path, List<FieldError> errors)
    {
        if (node is null)
        {
            if (!schema.Nullable)
            {
                errors.Add(FieldError.Invalid(path, "null", $"{path} in body must be of type {schema.Type ?? "object"}: \"null\""));
            }

            return;
        }

        var actual = JsonTypeOf(node);
        if (!TypeMatches(schema, actual))
        {
            var expected = schema.IntOrString ? "integer,string" : schema.Type;
            errors.Add(FieldError.Invalid(path, actual, $"{path} in body must be of type {expected}: \"{actual}\""));
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                ValidateFields(schema, obj, path, errors, isRoot: false);
                break;
            case JsonArray array:
                ValidateItems(schema, array, path, errors);
                break;
            case JsonValue value:
                ValidateScalar(schema, value, actual, path, errors);
                break;
        }
    }

    private static void ValidateFields(StructuralSchema schema, JsonObject obj, string path, List<FieldError> errors, bool isRoot, JsonObject? previous = null)
    {
        foreach (var name in schema.Required)
        {
            if (!obj.ContainsKey(name))
            {
                errors.Add(FieldError.Required(Child(path, name), string.Empty));
            }
        }

        if (schema.MaxProperties is { } maxProperties && obj.Count > maxProperties)
        {
            errors.Add(FieldError.TooMany(path, obj.Count, maxProperties));
        }

        foreach (var (name, value) in obj)
        {
            if (isRoot && (name is "apiVersion" or "kind" or "metadata" || (previous is not null && previous.TryGetPropertyValue(name, out var before) && JsonNode.DeepEquals(before, value))))
            {
                continue;
            }

            if (schema.Field(name) is { } child)
            {
                Validate(child, value, Child(path, name), errors);
            }
        }
    }

    private static void ValidateItems(StructuralSchema schema, JsonArray array, string path, List<FieldError> errors)
    {
        if (schema.MaxItems is { } maxItems && array.Count > maxItems)
        {
            errors.Add(FieldError.TooMany(path, array.Count, maxItems));
        }

        if (schema.MinItems is { } minItems && array.Count < minItems)
        {
            errors.Add(FieldError.Invalid(path, array.Count, $"{path} in body should have at least {minItems} items"));
        }

        if (schema.Items is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Validate(items, array[i], $"{path}[{i}]", errors);
            }
        }
    }

    private static void ValidateScalar(StructuralSchema schema, JsonValue value, string actual, string path, List<FieldError> errors)
    {
        // The value as an error shows it, built only for an error.
        object Shown() => Display(value, actual);
        if (schema.Enum is { } allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            errors.Add(FieldError.NotSupported(path, Shown(), allowed.Select(a => a is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : a?.ToJsonString() ?? "null")));
        }

        if (actual is "integer" or "number")
        {
            var number = Number(value);
            if (schema.Minimum is { } min && (schema.ExclusiveMinimum ? number <= min : number < min))
            {
                errors.Add(FieldError.Invalid(path, Shown(), $"{path} in body should be greater than {(schema.ExclusiveMinimum ? string.Empty : "or equal to ")}{Number(min)}"));
            }

            if (schema.Maximum is { } max && (schema.ExclusiveMaximum ? number >= max : number > max))
            {
                errors.Add(FieldError.Invalid(path, Shown(), $"{path} in body should be less than {(schema.ExclusiveMaximum ? string.Empty : "or equal to ")}{Number(max)}"));
            }
        }
        else if (actual == "string")
        {
            var text = value.GetValue<string>();
            var length = schema.MaxLength is null && schema.MinLength is null ? 0 : text.EnumerateRunes().Count();
            if (schema.MaxLength is { } maxLength && length > maxLength)
            {
                errors.Add(FieldError.TooLong(path, text, (int)maxLength));
            }

            if (schema.MinLength is { } minLength && length < minLength)
            {
                errors.Add(FieldError.Invalid(path, text, $"{path} in body should be at least {minLength} chars long"));
            }

            if (schema.Pattern is { } pattern && !pattern.IsMatch(text))
            {
                errors.Add(FieldError.Invalid(path, text, $"{path} in body should match '{schema.PatternText}'"));
            }

            if (schema.Format == "date-time" && !IsDateTime(text))
            {
                errors.Add(FieldError.Invalid(path, text, $"{path} in body must be of type date-time: \"{text}\""));
            }
        }
    }

    private static bool TypeMatches(StructuralSchema schema, string actual)
    {
        if (schema.IntOrString)
        {
            return actual is "integer" or "string";
        }

        return schema.Type switch
        {
            null => true,
            "number" => actual is "number" or "integer",
            _ => schema.Type == actual,
        };
    }

    /// <summary>The JSON type of a value; whole numbers such as 2 or 2.0 are integers, as after Go's JSON decoding.</summary>
    private static string JsonTypeOf(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => Number(node) is var d && Math.Floor(d) == d && Math.Abs(d) < 9.3e18 ? "integer" : "number",
        _ => "null",
    };

    private static object Display(JsonValue value, string actual) => actual switch
    {
        "string" => value.GetValue<string>(),
        "integer" => (long)Number(value),
        "number" => Number(value),
        _ => value.ToJsonString(),
    };

    /// <summary>
    /// A JSON number as a double, whatever CLR type backs the node: parsed text holds a JsonElement, but a node built in
    /// code (a default, a patch) may hold an int or a long, for which GetValue&lt;double&gt; throws.
    /// </summary>
    private static double Number(JsonNode node) =>
        node.AsValue().TryGetValue<double>(out var d) ? d : double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// RFC 3339 as the real API server accepts it: seconds, an optional fraction of 1-9 digits (Go's RFC3339Nano,
    /// KubernetesClient writes 6), then Z or an offset. .NET parses at most 7 fraction digits, so the rest is cut.
    /// </summary>
    private static bool IsDateTime(string text)
    {
        var match = Rfc3339().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var fraction = match.Groups["fraction"].Value;
        var normalized = match.Groups["seconds"].Value
            + (fraction.Length > 0 ? "." + fraction[..Math.Min(7, fraction.Length)] : string.Empty)
            + match.Groups["zone"].Value;
        return DateTimeOffset.TryParseExact(
            normalized,
            ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"],
            CultureInfo.InvariantCulture,
            DateTimeStyles.None,
            out _);
    }

    [GeneratedRegex(@"^(?<seconds>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.(?<fraction>\d{1,9}))?(?<zone>Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();

    private static string Child(string path, string name) => path.Length == 0 ? name : path + "." + name;
}
