namespace NumaOperator.BadInput.Tests;

/// <summary>The corpus is what the index says: at least 50 manifests, one per class, each surface consistent with its rule.</summary>
public sealed class CorpusIndexTests
{
    [Fact]
    public void Index_lists_every_manifest_once_per_class()
    {
        var entries = Corpus.Entries;
        Assert.True(entries.Count >= 50, $"the corpus has {entries.Count} manifests, the issue asks for at least 50");
        Assert.Equal(entries.Count, entries.Select(e => e.File).Distinct().Count());
        Assert.Equal(entries.Count, entries.Select(e => e.Class).Distinct().Count());
        var onDisk = Directory.GetFiles(Path.Combine(Corpus.Directory, "manifests")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(entries.Select(e => e.File).Order(StringComparer.Ordinal), onDisk);
    }

    [Theory]
    [MemberData(nameof(Corpus.All), MemberType = typeof(Corpus))]
    public void Surfaces_follow_from_the_rule_and_every_entry_names_a_field(string file)
    {
        var entry = Corpus.Get(file);
        Assert.Equal(Rules.EmbeddedSurface(entry.Rule), entry.Surface);
        Assert.Equal(Rules.ClusterSurface(entry.Rule), entry.Cluster);
        Assert.False(string.IsNullOrWhiteSpace(entry.Field));
        Assert.NotEmpty(entry.Api);
        Assert.NotEmpty(entry.Core);
        Assert.StartsWith("# ", entry.Text, StringComparison.Ordinal); // each file says which class it is
    }

    [Fact]
    public void Every_surface_and_the_issues_classes_are_covered()
    {
        var entries = Corpus.Entries;
        foreach (var surface in new[] { Surfaces.Schema, Surfaces.Rejected, Surfaces.Parse, Surfaces.Preflight })
        {
            Assert.Contains(entries, e => e.Surface == surface);
        }

        Assert.Contains(entries, e => e.Cluster == Surfaces.Stalled);
        foreach (var field in new[] { "spec.cpu.cores", "spec.cpu.dedicated", "spec.memory.size", "spec.memory.hugepages.pageSize", "spec.numa.nodes", "spec.numa.guestNodes", "spec.numa.policy", "spec.nodeSelector", "spec.boot.kernel", "spec.boot.initrd", "spec.boot.cmdline", "spec.boot.disk.image", "spec.boot.disk.format", "metadata.name", "metadata.labels" })
        {
            Assert.Contains(entries, e => e.Field == field);
        }
    }
}
