using k8s.Models;

namespace NumaOperator.ApiServer.Resources;

/// <summary>The CRDs of NumaOperator the embedded server serves by default.</summary>
public static class NumaOperatorCustomResources
{
    public static IReadOnlyList<V1CustomResourceDefinition> Definitions() => StandInCustomResourceDefinitions.All;
}
