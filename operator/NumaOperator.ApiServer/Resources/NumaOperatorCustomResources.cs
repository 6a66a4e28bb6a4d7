using k8s.Models;
using NumaOperator.Api.Crds;

namespace NumaOperator.ApiServer.Resources;

/// <summary>The CRDs of NumaOperator the embedded server serves by default: the generated ones, the same objects as crds/.</summary>
public static class NumaOperatorCustomResources
{
    public static IReadOnlyList<V1CustomResourceDefinition> Definitions() => NumaOperatorCrds.All();
}
