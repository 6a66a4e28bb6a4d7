using System.Text.Json;
using k8s;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// KubernetesClient's own serializer options (its converters for dates, quantities, int-or-string), for the
/// System.Text.Json calls KubernetesJson has no overload for: straight to a JSON tree or to UTF-8 bytes, without a
/// string in between.
/// </summary>
internal static class KubernetesJsonOptions
{
    public static JsonSerializerOptions Shared { get; } = Capture();

    // AddJsonOptions hands over the options KubernetesJson itself uses; nothing is changed in them.
    private static JsonSerializerOptions Capture()
    {
        JsonSerializerOptions? shared = null;
        KubernetesJson.AddJsonOptions(options => shared = options);
        return shared ?? throw new InvalidOperationException("KubernetesJson did not hand over its serializer options");
    }
}
