using System.Text.Json;
using System.Text.RegularExpressions;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Serialization;

/// <summary>
/// Reads NumaNodeTopology, NumaVirtualMachine and Node objects from YAML (one or many documents) or JSON, each
/// document a single object or a List (<c>kind: List</c> or <c>*List</c>, as <c>kubectl get nnt,nvm -A -o yaml</c>
/// prints). Errors name the file, the document (and List item) and the field.
/// </summary>
public static partial class ManifestReader
{
    public static readonly IReadOnlyList<string> SupportedKinds = [NumaNodeTopology.KubeKind, NumaVirtualMachine.KubeKind, "Node", "List"];

    /// <exception cref="ManifestException">A file is missing, unreadable or holds something else.</exception>
    public static ManifestSet ReadFiles(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var set = new ManifestSet();
        foreach (var path in paths)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new ManifestException($"{path}: cannot be read: {e.Message}", e);
            }

            Read(text, path, set);
        }

        return set;
    }

    /// <summary>Adds the objects of one file's text to <paramref name="set"/>.</summary>
    public static void Read(string text, string file, ManifestSet set)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(set);
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.Length > 0 && trimmed[0] is '{' or '[')
        {
            JsonDocument json;
            try
            {
                json = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false, AllowDuplicateProperties = false });
            }
            catch (JsonException e)
            {
                throw new ManifestException($"{file}: not valid JSON: line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}", e);
            }

            using (json)
            {
                AddDocument(json.RootElement, new ManifestSource(file, 1), set);
            }

            return;
        }

        using var reader = new StringReader(text);
        foreach (var document in YamlToJson.Convert(reader, file))
        {
            using var json = JsonDocument.Parse(document.Json);
            AddDocument(json.RootElement, new ManifestSource(file, document.Index), set);
        }
    }

    private static void AddDocument(JsonElement root, ManifestSource source, ManifestSet set)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            // A bare JSON array of objects: treat like a List.
            AddItems(root, source, set);
            return;
        }

        var kind = KindOf(root, source);
        if (kind == "List" || (kind.EndsWith("List", StringComparison.Ordinal) && root.TryGetProperty("items", out _)))
        {
            if (!root.TryGetProperty("items", out var items) || items.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
            {
                throw new ManifestException($"{source}: field items: a {kind} needs a list of objects in items");
            }

            if (items.ValueKind == JsonValueKind.Array)
            {
                AddItems(items, source, set);
            }

            return;
        }

        AddObject(root, kind, source, set);
    }

    private static void AddItems(JsonElement items, ManifestSource source, ManifestSet set)
    {
        var i = 0;
        foreach (var item in items.EnumerateArray())
        {
            var itemSource = source with { Item = i++ };
            AddObject(item, KindOf(item, itemSource), itemSource, set);
        }
    }

    private static string KindOf(JsonElement element, ManifestSource source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ManifestException($"{source}: expected a Kubernetes object (a mapping with apiVersion and kind), got {Describe(element.ValueKind)}");
        }

        if (!element.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(kind.GetString()))
        {
            throw new ManifestException($"{source}: field kind: Required value: one of {string.Join(", ", SupportedKinds)}");
        }

        return kind.GetString()!;
    }

    private static void AddObject(JsonElement element, string kind, ManifestSource source, ManifestSet set)
    {
        switch (kind)
        {
            case NumaNodeTopology.KubeKind:
                RequireApiVersion(element, kind, source);
                set.Topologies.Add(new Sourced<NumaNodeTopology>(Deserialize<NumaNodeTopology>(element, kind, source), source));
                break;
            case NumaVirtualMachine.KubeKind:
                RequireApiVersion(element, kind, source);
                set.VirtualMachines.Add(new Sourced<NumaVirtualMachine>(Deserialize<NumaVirtualMachine>(element, kind, source), source));
                break;
            case "Node":
                AddNodeLabels(element, source, set);
                break;
            default:
                throw new ManifestException($"{source}: field kind: Unsupported value: \"{kind}\": supported values: {string.Join(", ", SupportedKinds)}");
        }
    }

    private static void RequireApiVersion(JsonElement element, string kind, ManifestSource source)
    {
        var apiVersion = element.TryGetProperty("apiVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (apiVersion != ApiGroup.ApiVersion)
        {
            throw new ManifestException($"{source}: {kind}: field apiVersion: Unsupported value: \"{apiVersion}\": supported values: \"{ApiGroup.ApiVersion}\"");
        }
    }

    /// <summary>Only a Node's name and labels matter here (spec.nodeSelector); the rest of the Node is not read.</summary>
    private static void AddNodeLabels(JsonElement element, ManifestSource source, ManifestSet set)
    {
        if (!element.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object
            || !metadata.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            throw new ManifestException($"{source}: Node: field metadata.name: Required value");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata.TryGetProperty("labels", out var labelElement) && labelElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var label in labelElement.EnumerateObject())
            {
                labels[label.Name] = label.Value.ValueKind == JsonValueKind.String
                    ? label.Value.GetString()!
                    : throw new ManifestException($"{source}: Node {name.GetString()}: field metadata.labels.{label.Name}: label values are strings (quote it)");
            }
        }

        set.NodeLabels[name.GetString()!] = labels;
    }

    private static T Deserialize<T>(JsonElement element, string kind, ManifestSource source)
    {
        try
        {
            return element.Deserialize(KubeJson.Info<T>(KubeJson.Options)) ?? throw new ManifestException($"{source}: {kind}: the object is empty");
        }
        catch (JsonException e)
        {
            var name = element.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object && m.TryGetProperty("name", out var n) ? " " + n.ToString() : string.Empty;
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "(object)" : e.Path.TrimStart('$', '.');
            throw new ManifestException($"{source}: {kind}{name}: field {field}: {Explain(e)}", e);
        }
    }

    /// <summary>System.Text.Json's message in the words of the file's author.</summary>
    private static string Explain(JsonException e)
    {
        var message = e.Message;
        if (UnmappedMember().Match(message) is { Success: true } unknown)
        {
            return $"unknown field \"{unknown.Groups[1].Value}\" (check the spelling; see `numa-operator crds` for the schema)";
        }

        if (TargetType().Match(message) is { Success: true } target)
        {
            return "the value is not " + TypeWords(target.Groups[1].Value);
        }

        return FirstSentence(message);
    }

    private static string TypeWords(string clrType) => clrType switch
    {
        var t when t.StartsWith("System.Int", StringComparison.Ordinal) || t.StartsWith("System.UInt", StringComparison.Ordinal) => "a whole number",
        var t when t.StartsWith("System.Nullable`1[System.Int", StringComparison.Ordinal) => "a whole number",
        "System.String" => "a string (quote values such as \"1\" or \"0-3\")",
        var t when t.Contains("Boolean", StringComparison.Ordinal) => "true or false",
        var t when t.Contains("DateTime", StringComparison.Ordinal) => "an RFC 3339 time such as 2026-11-29T10:00:00Z",
        var t when t.Contains("Dictionary", StringComparison.Ordinal) => "a mapping of strings to strings",
        var t when t.Contains("List", StringComparison.Ordinal) => "a list",
        var t => "of the expected type (" + t[(t.LastIndexOf('.') + 1)..] + ")",
    };

    private static string FirstSentence(string message)
    {
        var path = message.IndexOf(" Path:", StringComparison.Ordinal);
        return path > 0 ? message[..path] : message;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "nothing",
        _ => kind.ToString(),
    };

    [GeneratedRegex(@"The JSON property '([^']*)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnmappedMember();

    [GeneratedRegex(@"could not be converted to ([^ .]+(?:\.[^ .]+)*)\.", RegexOptions.CultureInvariant)]
    private static partial Regex TargetType();
}
