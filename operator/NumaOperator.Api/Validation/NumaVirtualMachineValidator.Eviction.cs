using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Validation;

public static partial class NumaVirtualMachineValidator
{
    /// <summary>spec.evictionStrategy: what evacuating the VM's node does to it; omitted means None.</summary>
    private static void ValidateEvictionStrategy(NumaVirtualMachineSpec spec, List<FieldError> errors)
    {
        if (spec.EvictionStrategy is { } strategy && !EvictionStrategies.All.Contains(strategy))
        {
            errors.Add(FieldError.NotSupported("spec.evictionStrategy", strategy, EvictionStrategies.All));
        }
    }
}
