using System.Text.Json.Nodes;
using NumaOperator.Api.Validation;

namespace NumaOperator.ApiServer.Schema;

/// <summary>What the schema did to one custom resource: the errors that reject it and the unknown fields it pruned.</summary>
public sealed record SchemaAdmissionResult(IReadOnlyList<FieldError> Errors, IReadOnlyList<string> PrunedFields)
{
    public bool IsValid => Errors.Count == 0;

    /// <summary>The warnings the real API server sends for pruned fields (<c>unknown field "spec.foo"</c>).</summary>
    public IEnumerable<string> UnknownFieldWarnings => PrunedFields.Select(p => $"unknown field \"{p}\"");
}

/// <summary>
/// The structural-schema step of creating or updating a custom resource, in the real API server's order: prune
/// unknown fields, apply defaults (and drop non-nullable nulls), then validate. Mutates the object in place.
/// metadata, apiVersion and kind are left to the server. On an update, top-level fields left as they were in
/// <c>previous</c> are not validated again (the real server's validation ratcheting).
/// </summary>
public static class CustomResourceSchemaAdmission
{
    public static SchemaAdmissionResult Admit(StructuralSchema schema, JsonObject resource, JsonObject? previous = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(resource);
        var pruned = SchemaPruning.PruneObject(schema, resource);
        SchemaDefaulting.ApplyObject(schema, resource);
        var errors = SchemaValidation.ValidateObject(schema, resource, previous);
        return new SchemaAdmissionResult(errors, pruned);
    }
}
