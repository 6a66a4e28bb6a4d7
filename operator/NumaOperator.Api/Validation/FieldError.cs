using System.Globalization;

namespace NumaOperator.Api.Validation;

/// <summary>The kind of a field error, spelled as Kubernetes' field.ErrorType prints it.</summary>
public enum FieldErrorType
{
    Required,
    Invalid,
    NotSupported,
    TooLong,
    Forbidden,
    TooMany,
}

/// <summary>
/// One rejected field, printed like Kubernetes' field.Error ("spec.cpu.cores: Invalid value: 0: must be between 1 and 1024")
/// so kubectl users see the same shape from the embedded server, the controller and <c>numa-operator place</c>.
/// </summary>
public sealed record FieldError(string Path, FieldErrorType Type, object? Value, string Detail)
{
    public static FieldError Required(string path, string detail) => new(path, FieldErrorType.Required, null, detail);

    public static FieldError Invalid(string path, object? value, string detail) => new(path, FieldErrorType.Invalid, value, detail);

    public static FieldError NotSupported(string path, object? value, IEnumerable<string> allowed) =>
        new(path, FieldErrorType.NotSupported, value, "supported values: " + string.Join(", ", allowed.Select(a => $"\"{a}\"")));

    public static FieldError TooLong(string path, object? value, int max) =>
        new(path, FieldErrorType.TooLong, value, $"may not be more than {max.ToString(CultureInfo.InvariantCulture)} bytes");

    /// <summary>A list or map with more entries than the schema's maxItems / maxProperties.</summary>
    public static FieldError TooMany(string path, int actual, long max) =>
        new(path, FieldErrorType.TooMany, actual, $"must have at most {max.ToString(CultureInfo.InvariantCulture)} items");

    public string TypeText => Type switch
    {
        FieldErrorType.Required => "Required value",
        FieldErrorType.Invalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.TooMany => "Too many",
        _ => Type.ToString(),
    };

    /// <summary>The reason Kubernetes puts in a StatusCause for this error type.</summary>
    public string CauseReason => Type switch
    {
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooMany => "FieldValueTooMany",
        _ => "FieldValueInvalid",
    };

    public override string ToString()
    {
        // Like field.Error.Error(): an empty detail (e.g. a schema's "required") adds nothing after the type.
        var detail = Detail.Length == 0 ? string.Empty : ": " + Detail;
        if (Type is FieldErrorType.Required or FieldErrorType.Forbidden || Value is null)
        {
            return $"{Path}: {TypeText}{detail}";
        }

        var shown = Value switch
        {
            string s => "\"" + (s.Length > 80 ? s[..80] + "..." : s) + "\"",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => Value.ToString(),
        };
        return $"{Path}: {TypeText}: {shown}{detail}";
    }
}
