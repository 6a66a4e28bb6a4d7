using System.Text.Json;
using NumaOperator.Tests.Shared;

namespace NumaOperator.BadInput.Tests;

/// <summary>`numa-operator place FILE` (the built CLI as a process) on every corpus manifest: nothing is placed and the field is named.</summary>
public sealed class PlaceCliTests
{
    /// <summary>What place returns for a file it could read whose VM fails validation: bad input, as DESIGN.md's "2 bad input" says.</summary>
    private const int ExitForInvalidSpec = 2;

    /// <summary>
    /// Files the manifest reader refuses: one process each (exit 2 is per file), four at a time. Files it reads: one
    /// process for all of them, since place reports each VM separately. Every failure is listed.
    /// </summary>
    [Fact]
    public async Task Place_refuses_every_manifest_naming_the_field()
    {
        var entries = Corpus.Entries.Where(e => e.Rule != Rules.Agent).ToList();
        var refused = entries.Where(ReaderRejects).ToList();
        var readable = entries.Except(refused).ToList();
        Assert.All(refused, e => Assert.True(e.Rule is not (Rules.Cel or Rules.Core or Rules.Meta or Rules.Labels), $"{e.File}: the reader refuses a file whose rule is {e.Rule}"));
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(refused, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (entry, _) =>
        {
            try
            {
                var run = await CliProcess.RunAsync(TimeSpan.FromSeconds(120), "place", entry.Path, "-o", "json");
                Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}, expected 2 (bad input): {run.Stderr}");
                Assert.StartsWith("error: " + entry.Path, run.Stderr, StringComparison.Ordinal);
                CorpusChecks.ContainsAll(run.Stderr, entry.Field, entry.Core, "place stderr");
                Assert.Equal(string.Empty, run.Stdout);
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException or TimeoutException)
            {
                failures.Add($"{entry.File}: {e.Message}");
            }
        });

        var all = await CliProcess.RunAsync(TimeSpan.FromSeconds(120), ["place", .. readable.Select(e => e.Path), "-o", "json"]);
        Assert.True(all.ExitCode == ExitForInvalidSpec, $"place on the {readable.Count} readable files: exit {all.ExitCode}: {all.Stderr}");
        using var output = JsonDocument.Parse(all.Stdout);
        var vms = output.RootElement.GetProperty("items").EnumerateArray().ToDictionary(v => v.GetProperty("metadata").GetProperty("name").GetString()!);
        foreach (var entry in readable)
        {
            try
            {
                var vm = vms.Values.Single(v => v.GetProperty("metadata").GetProperty("name").GetString() == NameIn(entry));
                var status = vm.GetProperty("status");
                Assert.False(status.TryGetProperty("placement", out var placement) && placement.ValueKind != JsonValueKind.Null, "place wrote a placement");
                var scheduled = status.GetProperty("conditions").EnumerateArray().Single(c => c.GetProperty("type").GetString() == "Scheduled");
                Assert.Equal("InvalidSpec", scheduled.GetProperty("reason").GetString());
                CorpusChecks.ContainsAll(scheduled.GetProperty("message").GetString()!, entry.Field, entry.Core, "place InvalidSpec");

                // The same message as an error line on stderr, naming the file, the VM and the field.
                var error = all.Stderr.Split('\n').SingleOrDefault(l => l.StartsWith($"error: {entry.Path}: document ", StringComparison.Ordinal));
                Assert.True(error is not null, $"no error line for {entry.Path} on stderr");
                CorpusChecks.ContainsAll(error, entry.Field, entry.Core, "place stderr");
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException or InvalidOperationException or KeyNotFoundException)
            {
                failures.Add($"{entry.File}: {e.Message}");
            }
        }

        Assert.True(failures.IsEmpty, string.Join("\n\n", failures.Order(StringComparer.Ordinal)));
    }

    /// <summary>metadata.name as the file sets it (some names are the bad input).</summary>
    private static string NameIn(CorpusEntry entry)
    {
        var set = new Api.Serialization.ManifestSet();
        Api.Serialization.ManifestReader.Read(entry.Text, entry.Path, set);
        return set.VirtualMachines.Single().Resource.Metadata.Name;
    }

    /// <summary>Whether the file never gets past the manifest reader: malformed YAML, unknown fields, wrong kind/apiVersion or JSON types.</summary>
    private static bool ReaderRejects(CorpusEntry entry)
    {
        try
        {
            Api.Serialization.ManifestReader.Read(entry.Text, entry.Path, new Api.Serialization.ManifestSet());
            return false;
        }
        catch (Api.Serialization.ManifestException)
        {
            return true;
        }
    }
}
