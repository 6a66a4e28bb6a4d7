using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Validation;

public static partial class NumaVirtualMachineValidator
{
    /// <summary>spec.runStrategy and spec.running are two ways to say one thing: at most one may be set (as KubeVirt).</summary>
    private static void ValidateRunStrategy(NumaVirtualMachine vm, List<FieldError> errors)
    {
        var spec = vm.Spec;
        if (spec.RunStrategy is { } strategy)
        {
            if (!RunStrategies.All.Contains(strategy))
            {
                errors.Add(FieldError.NotSupported("spec.runStrategy", strategy, RunStrategies.All));
            }

            if (spec.Running is not null)
            {
                errors.Add(new FieldError("spec.running", FieldErrorType.Forbidden, null, "spec.running and spec.runStrategy are mutually exclusive: set only spec.runStrategy (running true is runStrategy Always, false is Halted)"));
            }
        }

        if (vm.Metadata?.Annotations is { } annotations && annotations.TryGetValue(PowerRequest.Annotation, out var request) && PowerRequest.Parse(request) is null)
        {
            errors.Add(FieldError.Invalid(
                $"metadata.annotations[{PowerRequest.Annotation}]", request,
                "must be \"ACTION TIME\": ACTION one of Start, Stop, Restart; TIME in UTC as 2026-12-04T23:50:00Z (numa-operator start|stop|restart writes it)"));
        }
    }
}
