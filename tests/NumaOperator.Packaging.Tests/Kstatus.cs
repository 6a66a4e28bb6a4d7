using System.Text.Json.Nodes;

namespace NumaOperator.Packaging.Tests;

/// <summary>
/// A port of kstatus's status computation for a custom resource (kubernetes-sigs/cli-utils, pkg/kstatus/status:
/// Compute → checkGenericProperties → checkGeneration; custom resources have no type-specific rules), which Flux's
/// health checks and `kubectl wait`-style tools built on kstatus apply to NumaVirtualMachines. In kstatus's order:
/// a non-empty metadata.deletionTimestamp is Terminating; a status.observedGeneration that exists and differs from
/// metadata.generation is InProgress (absent, the check is skipped); then the first condition in status.conditions
/// that is Reconciling=True (InProgress) or Stalled=True (Failed) decides; anything else is Current.
/// </summary>
public static class Kstatus
{
    public const string InProgress = "InProgress";
    public const string Failed = "Failed";
    public const string Current = "Current";
    public const string Terminating = "Terminating";

    public sealed record Result(string Status, string Message);

    public static Result Compute(JsonObject resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (resource["metadata"]?["deletionTimestamp"] is JsonValue deletion && deletion.TryGetValue<string>(out var at) && at.Length > 0)
        {
            return new Result(Terminating, "Resource scheduled for deletion");
        }

        if (Integer(resource["metadata"]?["generation"]) is { } generation
            && Integer(resource["status"]?["observedGeneration"]) is { } observed
            && observed != generation)
        {
            return new Result(InProgress, $"{resource["kind"]} generation is {generation}, but latest observed generation is {observed}");
        }

        foreach (var condition in (resource["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var type = (string?)condition["type"];
            var status = (string?)condition["status"];
            if (type == "Reconciling" && status == "True")
            {
                return new Result(InProgress, (string?)condition["message"] ?? string.Empty);
            }

            if (type == "Stalled" && status == "True")
            {
                return new Result(Failed, (string?)condition["message"] ?? string.Empty);
            }
        }

        return new Result(Current, "Resource is current");
    }

    private static long? Integer(JsonNode? node) => node is JsonValue value && value.TryGetValue<long>(out var n) ? n : null;
}
