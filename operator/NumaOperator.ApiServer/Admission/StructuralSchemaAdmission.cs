using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NumaOperator.Api.Validation;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Admission;

/// <summary>
/// Structural-schema admission of a custom resource against its CRD's openAPIV3Schema: defaults, prunes unknown fields
/// (unless x-kubernetes-preserve-unknown-fields) and checks type, required, enum, minimum/maximum, pattern and length,
/// with the field paths and messages of the real API server. metadata is left to the server.
/// </summary>
public sealed class StructuralSchemaAdmission : IObjectAdmission
{
    public IReadOnlyList<FieldError> Admit(ResourceKind kind, JsonObject candidate, JsonObject? current, ICollection<string> unknownFields)
    {
        if (!kind.IsCustomResource || kind.Schema is null)
        {
            return [];
        }

        var errors = new List<FieldError>();
        foreach (var (name, value) in candidate.ToList())
        {
            if (name is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            Walk(kind.Schema, candidate, name, value, name, errors, unknownFields);
        }

        CheckRequired(kind.Schema, candidate, string.Empty, errors);
        return errors;
    }

    private static void Walk(JsonObject parentSchema, JsonObject parent, string name, JsonNode? value, string path, List<FieldError> errors, ICollection<string> unknownFields)
    {
        var properties = parentSchema["properties"] as JsonObject;
        var schema = properties?[name] as JsonObject ?? parentSchema["additionalProperties"] as JsonObject;
        if (schema is null)
        {
            if (!PreservesUnknown(parentSchema))
            {
                parent.Remove(name);
                unknownFields.Add(path);
            }

            return;
        }

        Check(schema, value, path, errors, unknownFields);
    }

    private static void Check(JsonObject schema, JsonNode? value, string path, List<FieldError> errors, ICollection<string> unknownFields)
    {
        if (value is null)
        {
            if (schema["nullable"]?.GetValue<bool>() != true)
            {
                errors.Add(FieldError.Invalid(path, "null", $"{path} in body must be of type {schema["type"]?.GetValue<string>() ?? "object"}: \"null\""));
            }

            return;
        }

        var type = schema["type"]?.GetValue<string>();
        var actual = TypeOf(value);
        if (type is not null && !Matches(type, actual, value))
        {
            errors.Add(FieldError.Invalid(path, actual, $"{path} in body must be of type {type}: \"{actual}\""));
            return;
        }

        switch (value)
        {
            case JsonObject obj:
                ApplyDefaults(schema, obj);
                foreach (var (name, child) in obj.ToList())
                {
                    Walk(schema, obj, name, child, path + "." + name, errors, unknownFields);
                }

                CheckRequired(schema, obj, path + ".", errors);
                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++)
                {
                    Check(items, array[i], $"{path}[{i}]", errors, unknownFields);
                }

                CheckCount(schema, array.Count, path, "items", errors);
                break;
            case JsonValue scalar:
                CheckScalar(schema, scalar, path, errors);
                break;
        }
    }

    private static void CheckScalar(JsonObject schema, JsonValue scalar, string path, List<FieldError> errors)
    {
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, scalar)))
        {
            errors.Add(FieldError.NotSupported(path, Display(scalar), allowed.Select(a => a?.ToString() ?? "null")));
            return;
        }

        if (scalar.GetValueKind() == JsonValueKind.Number)
        {
            var number = scalar.GetValue<double>();
            if (schema["minimum"] is { } min && number < min.GetValue<double>())
            {
                errors.Add(FieldError.Invalid(path, Display(scalar), $"{path} in body should be greater than or equal to {min}"));
            }

            if (schema["maximum"] is { } max && number > max.GetValue<double>())
            {
                errors.Add(FieldError.Invalid(path, Display(scalar), $"{path} in body should be less than or equal to {max}"));
            }
        }
        else if (scalar.GetValueKind() == JsonValueKind.String)
        {
            var text = scalar.GetValue<string>();
            if (schema["pattern"] is { } pattern && !Regex.IsMatch(text, pattern.GetValue<string>(), RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                errors.Add(FieldError.Invalid(path, text, $"{path} in body should match '{pattern}'"));
            }

            if (schema["maxLength"] is { } maxLength && text.Length > maxLength.GetValue<long>())
            {
                errors.Add(FieldError.TooLong(path, text, (int)maxLength.GetValue<long>()));
            }

            if (schema["minLength"] is { } minLength && text.Length < minLength.GetValue<long>())
            {
                errors.Add(FieldError.Invalid(path, text, $"{path} in body should be at least {minLength} chars long"));
            }
        }
    }

    private static void CheckCount(JsonObject schema, int count, string path, string what, List<FieldError> errors)
    {
        if (schema["maxItems"] is { } max && count > max.GetValue<long>())
        {
            errors.Add(new FieldError(path, FieldErrorType.TooLong, count, $"must have at most {max} {what}"));
        }

        if (schema["minItems"] is { } min && count < min.GetValue<long>())
        {
            errors.Add(FieldError.Invalid(path, count, $"{path} in body should have at least {min} {what}"));
        }
    }

    private static void CheckRequired(JsonObject schema, JsonObject obj, string prefix, List<FieldError> errors)
    {
        if (schema["required"] is not JsonArray required)
        {
            return;
        }

        foreach (var name in required.Select(r => r?.GetValue<string>()).OfType<string>())
        {
            if (!obj.ContainsKey(name))
            {
                errors.Add(FieldError.Required(prefix + name, string.Empty));
            }
        }
    }

    private static void ApplyDefaults(JsonObject schema, JsonObject obj)
    {
        if (schema["properties"] is not JsonObject properties)
        {
            return;
        }

        foreach (var (name, property) in properties)
        {
            if (!obj.ContainsKey(name) && property?["default"] is { } value)
            {
                obj[name] = value.DeepClone();
            }
        }
    }

    private static bool PreservesUnknown(JsonObject schema) =>
        schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;

    private static string TypeOf(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => IsInteger(value) ? "integer" : "number",
        _ => "null",
    };

    private static bool IsInteger(JsonNode value) =>
        value.AsValue().TryGetValue<double>(out var d) && Math.Floor(d) == d && !value.ToJsonString().Contains('.', StringComparison.Ordinal);

    private static bool Matches(string type, string actual, JsonNode value) => type switch
    {
        "number" => actual is "number" or "integer",
        "integer" => actual == "integer",
        _ => type == actual || (value.GetValueKind() == JsonValueKind.String && type == "string"),
    };

    private static object Display(JsonValue scalar) => scalar.GetValueKind() switch
    {
        JsonValueKind.String => scalar.GetValue<string>(),
        JsonValueKind.Number => scalar.GetValue<double>(),
        _ => scalar.ToJsonString(),
    };
}
