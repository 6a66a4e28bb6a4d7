using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using NumaOperator.ApiServer.Schema;
using NumaOperator.Api.Validation;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Admission;

/// <summary>
/// The structural-schema step for custom resources (prune unknown fields, default, validate) with the schema engine of
/// NumaOperator.Api, compiled once per served resource.
/// </summary>
public sealed class CrdSchemaAdmission : IObjectAdmission
{
    private readonly ConcurrentDictionary<ResourceKind, StructuralSchema> schemas = new();

    public IReadOnlyList<FieldError> Admit(ResourceKind kind, JsonObject candidate, JsonObject? current, ICollection<string> unknownFields)
    {
        if (!kind.IsCustomResource || kind.Schema is null)
        {
            return [];
        }

        var schema = schemas.GetOrAdd(kind, k => StructuralSchema.FromJson(k.Schema!));
        var result = CustomResourceSchemaAdmission.Admit(schema, candidate, current);
        foreach (var field in result.PrunedFields)
        {
            unknownFields.Add(field);
        }

        return result.Errors;
    }
}
