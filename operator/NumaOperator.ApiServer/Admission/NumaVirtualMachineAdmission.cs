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

        if (current is not null && SameAs(current, candidate, "spec") && SameAs(current["metadata"] as JsonObject, candidate["metadata"] as JsonObject, "labels", "annotations"))
        {
            // What the rules judge (name, labels, annotations, spec) is as it was: a status write, a finalizer. Like the
            // real server's ratcheting of unchanged fields; most writes in a burst are of this kind.
            return [];
        }

        NumaVirtualMachine? vm;
        try
        {
            vm = KubernetesJson.Deserialize<NumaVirtualMachine>(candidate); // from the tree, not through a string
        }
        catch (JsonException e)
        {
            // A structural schema reports wrong types first (the chain keeps its error); this covers an open schema.
            var path = (e.Path ?? "$").TrimStart('$').TrimStart('.');
            return [FieldError.Invalid(path.Length == 0 ? "spec" : path, null, "has the wrong JSON type for a NumaVirtualMachine (see `kubectl explain nvm." + path + "`)")];
        }

        return vm is null ? [] : NumaVirtualMachineValidator.Validate(vm).Errors;
    }

    private static bool SameAs(JsonObject? before, JsonObject? after, params string[] fields) =>
        before is not null && after is not null && fields.All(field => JsonNode.DeepEquals(before[field], after[field]));
}
