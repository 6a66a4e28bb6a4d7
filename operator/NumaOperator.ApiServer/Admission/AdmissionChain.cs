using System.Text.Json.Nodes;
using NumaOperator.Api.Validation;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Admission;

/// <summary>Runs admissions in order; a later one does not repeat an error on a field an earlier one already rejected.</summary>
public sealed class AdmissionChain(params IObjectAdmission[] admissions) : IObjectAdmission
{
    public IReadOnlyList<FieldError> Admit(ResourceKind kind, JsonObject candidate, JsonObject? current, ICollection<string> unknownFields)
    {
        var errors = new List<FieldError>();
        foreach (var admission in admissions)
        {
            foreach (var error in admission.Admit(kind, candidate, current, unknownFields))
            {
                if (!errors.Any(e => e.Path == error.Path))
                {
                    errors.Add(error);
                }
            }
        }

        return errors;
    }
}
