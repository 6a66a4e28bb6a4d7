using System.Text.Json;
using System.Text.Json.Serialization;

namespace NumaOperator.Api.Serialization;

/// <summary>Output formats of commands that print objects.</summary>
public enum ManifestFormat
{
    Json,
    Yaml,
}

/// <summary>A <c>kind: List</c> of objects, as <c>kubectl get -o yaml</c> prints several resources.</summary>
public sealed class KubeList
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "List";

    [JsonPropertyName("metadata")]
    public Dictionary<string, string> Metadata { get; set; } = new() { ["resourceVersion"] = string.Empty };

    [JsonPropertyName("items")]
    public IList<object> Items { get; set; } = [];
}

/// <summary>Writes objects as a Kubernetes List in JSON or YAML; the YAML reads back to the same JSON (strings that would read as numbers, booleans or null are quoted).</summary>
public static class ManifestWriter
{
    public static void WriteList(IEnumerable<object> items, ManifestFormat format, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(output);
        var list = new KubeList { Items = [.. items] };
        if (format == ManifestFormat.Json)
        {
            output.Write(JsonSerializer.Serialize(list, KubeJson.Info<KubeList>(KubeJson.IndentedOptions)));
            output.WriteLine();
            return;
        }

        JsonAsYaml.Write(JsonSerializer.SerializeToElement(list, KubeJson.Info<KubeList>(KubeJson.Options)), output);
    }
}
