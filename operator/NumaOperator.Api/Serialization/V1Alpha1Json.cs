using System.Text.Json.Serialization;
using k8s;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Serialization;

/// <summary>
/// Source-generated JSON metadata for the numaoperator.io/v1alpha1 kinds, with KubernetesClient's conventions (camelCase,
/// nulls omitted). <see cref="UseForKubernetesClient"/> puts it first in KubernetesJson's resolver chain, ahead of the
/// reflection fallback, so that a process decodes and encodes these kinds with precompiled code: the reflection path
/// builds its metadata at first use and emits an accessor per property that the JIT then compiles (about 400 methods in
/// a restarted controller's first burst). It is also what a Native AOT build needs.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(NumaVirtualMachine))]
[JsonSerializable(typeof(NumaVirtualMachineList))]
[JsonSerializable(typeof(NumaNodeTopology))]
[JsonSerializable(typeof(NumaNodeTopologyList))]
[JsonSerializable(typeof(NumaVirtualMachineMigration))]
[JsonSerializable(typeof(NumaVirtualMachineMigrationList))]
public sealed partial class V1Alpha1Json : JsonSerializerContext
{
    private static readonly Lock Gate = new();
    private static bool registered;

    /// <summary>
    /// Registers the metadata with KubernetesJson. Call it first thing in a process: KubernetesJson's options cannot
    /// change after their first use, and then the kinds stay on the reflection fallback (which still works).
    /// </summary>
    /// <returns>Whether the metadata is (now or already) registered.</returns>
    public static bool UseForKubernetesClient()
    {
        lock (Gate)
        {
            if (!registered)
            {
                KubernetesJson.AddJsonOptions(options =>
                {
                    if (!options.IsReadOnly)
                    {
                        options.TypeInfoResolverChain.Insert(0, Default);
                        registered = true;
                    }
                });
            }

            return registered;
        }
    }
}
