using k8s.Models;
using NumaOperator.Api.Status;

namespace NumaOperator.Controller.Runtime;

/// <summary>
/// metav1.Condition helpers on top of <see cref="ConditionList"/>: set (lastTransitionTime moves only when the status
/// flips), remove, and read. Reasons are CamelCase, messages are for humans.
/// </summary>
public static class Conditions
{
    public static IList<V1Condition> Set(IList<V1Condition>? conditions, string type, bool status, string reason, string message, long? generation, DateTime now) =>
        ConditionList.Set(conditions, type, status, reason, message, generation, now);

    /// <summary>Removes the condition of <paramref name="type"/>; returns whether one was there.</summary>
    public static bool Remove(IList<V1Condition>? conditions, string type) => ConditionList.Remove(conditions, type);

    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) =>
        ConditionList.Find(conditions, type)?.Status == "True";

    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) => ConditionList.Find(conditions, type);
}
