using System.Text.Json.Nodes;
using NumaOperator.Api.Validation;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Admission;

/// <summary>
/// Admission of a create or update: may default and prune <paramref name="candidate"/> in place, returns the field
/// errors that reject it (422 Invalid). <paramref name="current"/> is the stored object on update, null on create.
/// Pruned unknown fields are added to <paramref name="unknownFields"/> ("spec.foo"), which fieldValidation=Strict rejects.
/// </summary>
public interface IObjectAdmission
{
    IReadOnlyList<FieldError> Admit(ResourceKind kind, JsonObject candidate, JsonObject? current, ICollection<string> unknownFields);
}
