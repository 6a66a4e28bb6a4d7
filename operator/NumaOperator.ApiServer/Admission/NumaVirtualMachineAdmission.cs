using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Admission;

/// <summary>The rules a schema cannot express, from the one validation core (NumaVirtualMachineValidator).</summary>
public sealed class NumaVirtualMachineAdmission : IObjectAdmission
{
    public IReadOnlyList<FieldError> Admit(ResourceKind kind, JsonObject candidate, JsonObject? current, ICollection<string> unknownFields)
    {
        if (kind.Group != ApiGroup.Group || kind.Kind != NumaVirtualMachine.KubeKind)
        {
            return [];
        }

        NumaVirtualMachine? vm;
        try
        {
            vm = KubernetesJson.Deserialize<NumaVirtualMachine>(candidate.ToJsonString());
        }
        catch (JsonException)
        {
            // Wrong JSON types are the schema's to report, with the field path.
            return [];
        }

        return vm is null ? [] : NumaVirtualMachineValidator.Validate(vm).Errors;
    }
}
