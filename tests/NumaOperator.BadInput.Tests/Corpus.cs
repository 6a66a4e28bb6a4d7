using System.Text.Json;
using System.Text.Json.Serialization;
using NumaOperator.Tests.Shared;

namespace NumaOperator.BadInput.Tests;

/// <summary>Where a bad manifest is stopped (tests/bad-input/README.md).</summary>
public static class Surfaces
{
    /// <summary>HTTP 422 Invalid at apply time, the field path in the Status causes.</summary>
    public const string Schema = "schema";

    /// <summary>HTTP 400 BadRequest at apply time: unknown fields (strict field validation), wrong apiVersion or kind.</summary>
    public const string Rejected = "rejected";

    /// <summary>Refused while reading the file, before any request: ManifestReader (place, standalone --apply) and kubectl.</summary>
    public const string Parse = "parse";

    /// <summary>Stored, then the controller sets Stalled=True reason InvalidSpec with the field path; nothing placed.</summary>
    public const string Stalled = "stalled";

    /// <summary>Stored and placed, then the agent's pre-flight refuses to start QEMU: Running=False.</summary>
    public const string Preflight = "preflight";
}

/// <summary>Which layer's rule rejects a manifest; decides its surface in each environment.</summary>
public static class Rules
{
    public const string Structural = "structural";
    public const string Cel = "cel";
    public const string Core = "core";
    /// <summary>metadata.name: every API server checks it itself.</summary>
    public const string Meta = "meta";

    /// <summary>metadata.labels: a real API server checks them; the embedded server leaves them to the validation core.</summary>
    public const string Labels = "labels";
    public const string Body = "body";
    public const string Reader = "reader";
    public const string Agent = "agent";

    /// <summary>The embedded API server with its default admission (CRD schema + validation core): standalone mode.</summary>
    public static string EmbeddedSurface(string rule) => rule switch
    {
        Structural or Cel or Core or Meta or Labels => Surfaces.Schema,
        Body => Surfaces.Rejected,
        Reader => Surfaces.Parse,
        Agent => Surfaces.Preflight,
        _ => throw new ArgumentException($"unknown rule {rule}", nameof(rule)),
    };

    /// <summary>A real API server with crds/ installed: structural schema, CEL and metadata rules; the validation core runs only in the controller.</summary>
    public static string ClusterSurface(string rule) => rule == Core ? Surfaces.Stalled : EmbeddedSurface(rule);

    /// <summary>The embedded server admitting with the CRD's structural schema only (no CEL, no validation core): the controller is the last line.</summary>
    public static string SchemaOnlySurface(string rule) => rule is Cel or Core or Labels ? Surfaces.Stalled : EmbeddedSurface(rule);
}

/// <summary>One entry of tests/bad-input/index.json.</summary>
public sealed record CorpusEntry
{
    [JsonPropertyName("file")]
    public required string File { get; init; }

    [JsonPropertyName("class")]
    public required string Class { get; init; }

    [JsonPropertyName("rule")]
    public required string Rule { get; init; }

    /// <summary>Surface on the embedded API server (default admission) with the controller running.</summary>
    [JsonPropertyName("surface")]
    public required string Surface { get; init; }

    /// <summary>Surface on a real API server (K3s) with crds/ installed and the controller running.</summary>
    [JsonPropertyName("cluster")]
    public required string Cluster { get; init; }

    /// <summary>The field every message must name.</summary>
    [JsonPropertyName("field")]
    public required string Field { get; init; }

    /// <summary>How the API server's answer names the field where it does not use the path (e.g. "API version"); null: <see cref="Field"/>.</summary>
    [JsonPropertyName("apiField")]
    public string? ApiField { get; init; }

    /// <summary>Substrings of the API server's answer naming the allowed values (schema wording).</summary>
    [JsonPropertyName("api")]
    public required IReadOnlyList<string> Api { get; init; }

    /// <summary>Substrings of the validation core's / manifest reader's message (Stalled condition, numa-operator place).</summary>
    [JsonPropertyName("core")]
    public required IReadOnlyList<string> Core { get; init; }

    /// <summary>Substrings of a real API server's answer where its wording differs (CEL messages); null: <see cref="Api"/>.</summary>
    [JsonPropertyName("clusterApi")]
    public IReadOnlyList<string>? ClusterApi { get; init; }

    /// <summary>False: kubectl's own YAML reader treats the file differently (it expands aliases), so the kubectl sample leaves it out.</summary>
    [JsonPropertyName("kubectl")]
    public bool Kubectl { get; init; } = true;

    /// <summary>How kubectl's own message names the field where it refuses before sending; null: the API server's wording.</summary>
    [JsonPropertyName("kubectlField")]
    public string? KubectlField { get; init; }

    /// <summary>Why an entry is treated specially (e.g. left out of the kubectl sample).</summary>
    [JsonPropertyName("note")]
    public string? Note { get; init; }

    /// <summary>A symlink the test creates in a temporary image root before the pre-flight (never committed).</summary>
    [JsonPropertyName("symlink")]
    public SymlinkSpec? Symlink { get; init; }

    public string Path => Corpus.ManifestPath(File);

    public string Name => System.IO.Path.GetFileNameWithoutExtension(File);

    public string Text => System.IO.File.ReadAllText(Path);

    public override string ToString() => File;
}

public sealed record SymlinkSpec
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("target")]
    public required string Target { get; init; }
}

/// <summary>The bad-input corpus: tests/bad-input/index.json and the manifests it describes.</summary>
public static class Corpus
{
    private static readonly Lazy<List<CorpusEntry>> EntriesLazy = new(Load);

    public static string Directory => RepoPaths.Combine("tests", "bad-input");

    public static string IndexPath => System.IO.Path.Combine(Directory, "index.json");

    public static string ManifestPath(string file) => System.IO.Path.Combine(Directory, "manifests", file);

    public static IReadOnlyList<CorpusEntry> Entries => EntriesLazy.Value;

    public static CorpusEntry Get(string file) => Entries.Single(e => e.File == file);

    /// <summary>Theory data: every manifest's file name (the test looks the entry up, so test names stay short).</summary>
    public static TheoryData<string> Files(Func<CorpusEntry, bool>? where = null)
    {
        var data = new TheoryData<string>();
        foreach (var entry in Entries.Where(where ?? (_ => true)))
        {
            data.Add(entry.File);
        }

        return data;
    }

    public static TheoryData<string> All => Files();

    private static List<CorpusEntry> Load()
    {
        using var stream = File.OpenRead(IndexPath);
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.GetProperty("manifests").Deserialize<List<CorpusEntry>>()
            ?? throw new InvalidDataException($"{IndexPath}: no manifests");
    }
}
