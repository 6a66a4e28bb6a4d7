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
        DateTime now) =>
        Set(conditions, type, status ? VmConditions.True : VmConditions.False, reason, message, observedGeneration, now);

    /// <summary>As above with the status as text: True, False or Unknown.</summary>
    public static IList<V1Condition> Set(
        IList<V1Condition>? conditions,
        string type,
        string status,
        string reason,
        string message,
        long? observedGeneration,
        DateTime now)
    {
        conditions ??= [];
        var existing = conditions.FirstOrDefault(c => c.Type == type);
        var transition = existing is not null && existing.Status == status ? existing.LastTransitionTime : now;
        var updated = new V1Condition
        {
            Type = type,
            Status = status,
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

    /// <summary>Removes the condition of <paramref name="type"/>; returns whether one was there.</summary>
    public static bool Remove(IList<V1Condition>? conditions, string type)
    {
        if (conditions?.FirstOrDefault(c => c.Type == type) is not { } existing)
        {
            return false;
        }

        conditions.Remove(existing);
        return true;
    }

    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>Whether the condition of <paramref name="type"/> is there with status True.</summary>
    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) => Find(conditions, type)?.Status == VmConditions.True;

    /// <summary>The condition of <paramref name="type"/> when it has <paramref name="status"/> and was set for <paramref name="generation"/>.</summary>
    public static V1Condition? FindFor(IEnumerable<V1Condition>? conditions, string type, string status, long? generation) =>
        Find(conditions, type) is { } c && c.Status == status && c.ObservedGeneration == generation ? c : null;
}
