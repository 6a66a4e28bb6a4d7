using System.Text.Json.Nodes;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Admission;

/// <summary>The rules of NumaVirtualMachineMigration a schema cannot express (spec immutability among them), from NumaVirtualMachineMigrationValidator.</summary>
public sealed class NumaVirtualMachineMigrationAdmission : IObjectAdmission
{
    public IReadOnlyList<FieldError> Admit(ResourceKind kind, JsonObject candidate, JsonObject? current, ICollection<string> unknownFields)
    {
        if (kind.Group != ApiGroup.Group || kind.Kind != NumaVirtualMachineMigration.KubeKind)
        {
            return [];
        }

        var migration = NumaVirtualMachineMigrationValidator.Read(candidate.ToJsonString(), out var error);
        if (migration is null)
        {
            return error is null ? [] : [error];
        }

        var stored = current is null ? null : NumaVirtualMachineMigrationValidator.Read(current.ToJsonString(), out _);
        return NumaVirtualMachineMigrationValidator.Validate(migration, stored).Errors;
    }
}
