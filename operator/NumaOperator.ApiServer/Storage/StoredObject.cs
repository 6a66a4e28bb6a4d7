using System.Globalization;
using System.Text.Json.Nodes;
using NumaOperator.ApiServer.Json;

namespace NumaOperator.ApiServer.Storage;

/// <summary>
/// One object as stored: its serialized JSON (with metadata.resourceVersion already set) and its labels for selectors.
/// Immutable; readers parse <see cref="Json"/> to get a copy they may change.
/// </summary>
public sealed record StoredObject(string Resource, string Namespace, string Name, long ResourceVersion, byte[] Json, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The same content under another resourceVersion (written into metadata too).</summary>
    public StoredObject WithResourceVersion(long resourceVersion)
    {
        var obj = JsonNode.Parse(Json) as JsonObject ?? throw new InvalidOperationException($"stored {Resource} {Namespace}/{Name} is not a JSON object");
        if (obj["metadata"] is not JsonObject metadata)
        {
            obj["metadata"] = metadata = [];
        }

        metadata["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture);
        return this with { ResourceVersion = resourceVersion, Json = JsonOutput.Utf8(obj) };
    }
}

/// <summary>ADDED, MODIFIED or DELETED, as a watch stream spells it.</summary>
public enum ChangeType
{
    Added,
    Modified,
    Deleted,
}
