namespace NumaOperator.Api.Crds;

// OpenAPI v3 keywords the CRD generator reads from the v1alpha1 types by reflection. Descriptions come from
// System.ComponentModel.DescriptionAttribute and defaults from System.ComponentModel.DefaultValueAttribute.

/// <summary>The field must be present (OpenAPI "required" on the parent object).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RequiredFieldAttribute : Attribute;

/// <summary>The only values a string field accepts (OpenAPI "enum").</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EnumValuesAttribute(params string[] values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = values;
}

/// <summary>An RE2-compatible regular expression a string field must match (OpenAPI "pattern").</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string regex) : Attribute
{
    public string Regex { get; } = regex;
}

/// <summary>Inclusive lower bound of a number (OpenAPI "minimum").</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinimumAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

/// <summary>Inclusive upper bound of a number (OpenAPI "maximum").</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaximumAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

/// <summary>Longest accepted string, in characters (OpenAPI "maxLength"); also bounds CEL cost estimates.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxLengthAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

/// <summary>Shortest accepted string (OpenAPI "minLength").</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinLengthAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

/// <summary>Most entries of a list or map (OpenAPI "maxItems" / "maxProperties"); also bounds CEL cost estimates.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxItemsAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

/// <summary>
/// A CEL rule (x-kubernetes-validations) on the schema of the property or class it annotates. The C# validation core
/// (NumaVirtualMachineValidator) implements the same rule with the same field path, so servers without CEL agree.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class, AllowMultiple = true)]
public sealed class XValidationAttribute(string rule, string message) : Attribute
{
    public string Rule { get; } = rule;

    public string Message { get; } = message;

    /// <summary>Relative JSON path of the field the error is reported on, e.g. ".memory.size"; null for the annotated field itself.</summary>
    public string? FieldPath { get; init; }

    /// <summary>FieldValueInvalid (default), FieldValueRequired, FieldValueForbidden or FieldValueDuplicate.</summary>
    public string? Reason { get; init; }
}
