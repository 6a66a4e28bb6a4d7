using System.Collections;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace NumaOperator.Api.Crds;

/// <summary>
/// Builds a structural OpenAPI v3 schema (as the apiextensions.k8s.io/v1 CRD carries it) from a C# API type by
/// reflection: JSON names from [JsonPropertyName], keywords from the attributes in this folder. Properties are
/// ordered by name so the output is deterministic.
/// </summary>
public static class OpenApiSchemaGenerator
{
    // Why the reflection is safe in a trimmed or Native AOT build.
    private const string WalksApiTypes = "It walks the v1alpha1 kinds and the property types they reach: the source-generated JSON metadata "
        + "(V1Alpha1Json) references every one of their public properties, so none is trimmed, and their attributes stay with them; "
        + "the interfaces it asks for are IEnumerable<T> and IDictionary<K,V> of the collections those properties hold.";

    /// <summary>The schema of an object type: its properties, required list and class-level CEL rules.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = WalksApiTypes)]
    public static V1JSONSchemaProps ForObject(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var properties = new SortedDictionary<string, V1JSONSchemaProps>(StringComparer.Ordinal);
        var required = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonIgnoreAttribute>() is not null)
            {
                continue;
            }

            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
                ?? throw new InvalidOperationException($"{type.Name}.{property.Name} has no [JsonPropertyName]: the CRD schema needs the JSON name");
            if (typeof(IKubernetesObject).IsAssignableFrom(type) && name is "apiVersion" or "kind" or "metadata")
            {
                // The CRD's root schema describes these itself; the apiserver owns metadata.
                continue;
            }

            properties[name] = ForProperty(property);
            if (property.GetCustomAttribute<RequiredFieldAttribute>() is not null)
            {
                required.Add(name);
            }
        }

        var schema = new V1JSONSchemaProps
        {
            Type = "object",
            Properties = new Dictionary<string, V1JSONSchemaProps>(properties, StringComparer.Ordinal),
            Required = required.Count > 0 ? [.. required] : null,
        };
        AddRules(schema, type.GetCustomAttributes<XValidationAttribute>());
        return schema;
    }

    private static V1JSONSchemaProps ForProperty(PropertyInfo property)
    {
        var description = property.GetCustomAttribute<DescriptionAttribute>()?.Description
            ?? throw new InvalidOperationException($"{property.DeclaringType?.Name}.{property.Name} has no [Description]: every CRD field must explain itself (kubectl explain)");
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var schema = ForType(type);
        schema.Description = description;

        // Scalar keywords apply to the value itself, or to each value of a string map (label values) or string list.
        var target = schema.AdditionalProperties as V1JSONSchemaProps
            ?? (schema.Items is V1JSONSchemaProps { Type: "string" } item ? item : schema);
        if (property.GetCustomAttribute<EnumValuesAttribute>() is { } values)
        {
            target.EnumProperty = [.. values.Values];
        }

        if (property.GetCustomAttribute<PatternAttribute>() is { } pattern)
        {
            target.Pattern = pattern.Regex;
        }

        if (property.GetCustomAttribute<MinimumAttribute>() is { } minimum)
        {
            target.Minimum = minimum.Value;
        }

        if (property.GetCustomAttribute<MaximumAttribute>() is { } maximum)
        {
            target.Maximum = maximum.Value;
        }

        if (property.GetCustomAttribute<MaxLengthAttribute>() is { } maxLength)
        {
            target.MaxLength = maxLength.Value;
        }

        if (property.GetCustomAttribute<MinLengthAttribute>() is { } minLength)
        {
            target.MinLength = minLength.Value;
        }

        if (property.GetCustomAttribute<MaxItemsAttribute>() is { } maxItems)
        {
            if (schema.Type == "array")
            {
                schema.MaxItems = maxItems.Value;
            }
            else
            {
                schema.MaxProperties = maxItems.Value;
            }
        }

        if (property.GetCustomAttribute<DefaultValueAttribute>() is { Value: { } value })
        {
            schema.DefaultProperty = value;
        }

        AddRules(schema, property.GetCustomAttributes<XValidationAttribute>());
        return schema;
    }

    private static V1JSONSchemaProps ForType(Type type)
    {
        if (type == typeof(string))
        {
            return new V1JSONSchemaProps { Type = "string" };
        }

        if (type == typeof(bool))
        {
            return new V1JSONSchemaProps { Type = "boolean" };
        }

        if (type == typeof(int))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = "int32" };
        }

        if (type == typeof(long))
        {
            return new V1JSONSchemaProps { Type = "integer", Format = "int64" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new V1JSONSchemaProps { Type = "string", Format = "date-time" };
        }

        if (type == typeof(V1Condition))
        {
            return ConditionSchema.Item();
        }

        if (DictionaryValueType(type) is { } valueType)
        {
            return new V1JSONSchemaProps { Type = "object", AdditionalProperties = ForType(valueType) };
        }

        if (ListItemType(type) is { } itemType)
        {
            var items = ForType(itemType);
            var array = new V1JSONSchemaProps { Type = "array", Items = items };
            if (itemType == typeof(V1Condition))
            {
                array.XKubernetesListType = "map";
                array.XKubernetesListMapKeys = ["type"];
            }

            return array;
        }

        if (type.IsClass)
        {
            return ForObject(type);
        }

        throw new NotSupportedException($"no OpenAPI mapping for {type.FullName}; add one to {nameof(OpenApiSchemaGenerator)}");
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = WalksApiTypes)]
    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        if (dictionary is null)
        {
            return null;
        }

        var arguments = dictionary.GetGenericArguments();
        return arguments[0] == typeof(string)
            ? arguments[1]
            : throw new NotSupportedException($"map keys must be strings in a CRD schema, not {arguments[0].Name}");
    }

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = WalksApiTypes)]
    private static Type? ListItemType(Type type)
    {
        if (type == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    private static void AddRules(V1JSONSchemaProps schema, IEnumerable<XValidationAttribute> rules)
    {
        var list = rules
            .Select(r => new V1ValidationRule
            {
                Rule = r.Rule,
                Message = r.Message,
                FieldPath = r.FieldPath,
                Reason = r.Reason,
            })
            .OrderBy(r => r.FieldPath ?? string.Empty, StringComparer.Ordinal)
            .ThenBy(r => r.Rule, StringComparer.Ordinal)
            .ToList();
        if (list.Count > 0)
        {
            schema.XKubernetesValidations = list;
        }
    }
}
