using k8s.Models;
using NumaOperator.Api.Status;

namespace NumaOperator.Controller.Runtime;

/// <summary>
/// Forwards to <see cref="ConditionList"/>, the one implementation. Kept only for the agent (operator/NumaOperator.Agent,
/// its tests and the reliability suite), which is being reworked behind its runtime seam: delete this file once those
/// call <see cref="ConditionList"/>. New code calls <see cref="ConditionList"/>.
/// </summary>
public static class Conditions
{
    public static IList<V1Condition> Set(IList<V1Condition>? conditions, string type, bool status, string reason, string message, long? generation, DateTime now) =>
        ConditionList.Set(conditions, type, status, reason, message, generation, now);

    /// <summary>Removes the condition of <paramref name="type"/>; returns whether one was there.</summary>
    public static bool Remove(IList<V1Condition>? conditions, string type) => ConditionList.Remove(conditions, type);

    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) =>
        ConditionList.IsTrue(conditions, type);

    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) => ConditionList.Find(conditions, type);
}
