using k8s.Models;
using NumaOperator.Api.Serialization;

namespace NumaOperator.Api.Crds;

/// <summary>YAML of the CRDs exactly as crds/ holds it: LF line ends, one document per CRD, stable order.</summary>
public static class CrdYaml
{
    /// <summary>The file name of a CRD under crds/, as controller-gen names it: group_plural.yaml.</summary>
    public static string FileName(V1CustomResourceDefinition crd)
    {
        ArgumentNullException.ThrowIfNull(crd);
        return $"{crd.Spec.Group}_{crd.Spec.Names.Plural}.yaml";
    }

    public static string Render(V1CustomResourceDefinition crd)
    {
        // YAML without reflection (not KubernetesYaml), so a Native AOT build prints the same CRDs.
        var yaml = JsonAsYaml.FromKubernetesObject(crd).ReplaceLineEndings("\n");
        return "---\n" + (yaml.EndsWith('\n') ? yaml : yaml + "\n");
    }

    /// <summary>All CRDs as one multi-document YAML stream (what <c>numa-operator crds</c> prints).</summary>
    public static string RenderAll(IEnumerable<V1CustomResourceDefinition> crds) => string.Concat(crds.Select(Render));
}
