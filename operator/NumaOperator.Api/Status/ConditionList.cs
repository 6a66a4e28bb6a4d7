using k8s.Models;

namespace NumaOperator.Api.Status;

/// <summary>metav1.Condition bookkeeping: one condition per type; lastTransitionTime moves only when the status flips.</summary>
public static class ConditionList
{
    /// <summary>Sets the condition of <paramref name="type"/> in <paramref name="conditions"/> (created when null) and returns the list.</summary>
    public static IList<V1Condition> Set(
        IList<V1Condition>? conditions,
        string type,
        bool status,
        string reason,
        string message,
        long? observedGeneration,
        DateTime now)
    {
        conditions ??= [];
        var statusText = status ? "True" : "False";
        var existing = conditions.FirstOrDefault(c => c.Type == type);
        var transition = existing is not null && existing.Status == statusText ? existing.LastTransitionTime : now;
        var updated = new V1Condition
        {
            Type = type,
            Status = statusText,
            Reason = reason,
            Message = message,
            ObservedGeneration = observedGeneration,
            LastTransitionTime = transition,
        };
        if (existing is null)
        {
            conditions.Add(updated);
        }
        else
        {
            conditions[conditions.IndexOf(existing)] = updated;
        }

        return conditions;
    }

    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);
}
