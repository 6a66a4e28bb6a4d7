using System.Globalization;

namespace NumaOperator.Api.Serialization;

/// <summary>Where an object came from: file, YAML document (1-based, as editors count) and, inside a List, the item index.</summary>
public sealed record ManifestSource(string File, int Document, int? Item = null)
{
    public override string ToString() => Item is { } item
        ? string.Create(CultureInfo.InvariantCulture, $"{File}: document {Document}, items[{item}]")
        : string.Create(CultureInfo.InvariantCulture, $"{File}: document {Document}");
}
