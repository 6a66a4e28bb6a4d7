using k8s.Models;

namespace NumaOperator.Api.Crds;

/// <summary>
/// The schema of one metav1.Condition, with the bounds and patterns Kubernetes' own types declare for it, so a
/// controller writing conditions gets the same rejections from the embedded server as from a real cluster.
/// </summary>
public static class ConditionSchema
{
    public const string TypePattern = @"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$";
    public const string ReasonPattern = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";

    public static V1JSONSchemaProps Item() => new()
    {
        Type = "object",
        Description = "Condition contains details for one aspect of the current state of this API Resource.",
        Required = ["lastTransitionTime", "message", "reason", "status", "type"],
        Properties = new Dictionary<string, V1JSONSchemaProps>(StringComparer.Ordinal)
        {
            ["lastTransitionTime"] = new()
            {
                Type = "string",
                Format = "date-time",
                Description = "lastTransitionTime is the last time the condition transitioned from one status to another.",
            },
            ["message"] = new()
            {
                Type = "string",
                MaxLength = 32768,
                Description = "message is a human readable message indicating details about the transition. This may be an empty string.",
            },
            ["observedGeneration"] = new()
            {
                Type = "integer",
                Format = "int64",
                Minimum = 0,
                Description = "observedGeneration represents the .metadata.generation that the condition was set based upon.",
            },
            ["reason"] = new()
            {
                Type = "string",
                MaxLength = 1024,
                MinLength = 1,
                Pattern = ReasonPattern,
                Description = "reason contains a programmatic identifier indicating the reason for the condition's last transition (CamelCase).",
            },
            ["status"] = new()
            {
                Type = "string",
                EnumProperty = ["True", "False", "Unknown"],
                Description = "status of the condition, one of True, False, Unknown.",
            },
            ["type"] = new()
            {
                Type = "string",
                MaxLength = 316,
                Pattern = TypePattern,
                Description = "type of condition in CamelCase or in foo.example.com/CamelCase.",
            },
        },
    };
}
