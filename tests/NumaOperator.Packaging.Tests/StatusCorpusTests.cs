using System.Text.Json.Nodes;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Packaging.Tests;

/// <summary>
/// The VM statuses captured from real runs (tests/fixtures/status-corpus, kept current by StatusCorpusCaptureTests in
/// tests/NumaOperator.Agent.Tests) read in kstatus (the port in <see cref="Kstatus"/>) and in Argo CD (the Lua health
/// check as Argo CD runs it) exactly as docs/gitops.md's table "How each VM state reads" says.
/// </summary>
public class StatusCorpusTests
{
    /// <summary>The states the GitOps contract must cover, whatever else the corpus holds.</summary>
    private static readonly string[] RequiredStates =
        ["unschedulable", "starting", "running-aligned", "not-aligned", "restart-backoff", "stalled-invalid-spec", "stalled-bad-boot-file", "node-lost", "deleting"];

    public sealed record DocumentedState(string File, string Phase, string Kstatus, string Argo, string ArgoMessagePrefix);

    private static string CorpusDirectory => RepoPaths.Fixture("status-corpus");

    /// <summary>The rows of the table between the status-corpus markers in docs/gitops.md.</summary>
    public static IReadOnlyList<DocumentedState> Documented()
    {
        var doc = File.ReadAllText(RepoPaths.Combine("docs", "gitops.md")).ReplaceLineEndings("\n");
        var begin = doc.IndexOf("<!-- status-corpus:begin -->", StringComparison.Ordinal);
        var end = doc.IndexOf("<!-- status-corpus:end -->", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "docs/gitops.md has no status-corpus table");
        return doc[begin..end]
            .Split('\n')
            .Where(line => line.StartsWith("| ", StringComparison.Ordinal) && line.Contains(".json`", StringComparison.Ordinal))
            .Select(line =>
            {
                var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
                return new DocumentedState(
                    cells[1].Trim('`'),
                    cells[2],
                    cells[4].Split(' ')[0],
                    cells[5],
                    cells[6].Trim('`'));
            })
            .ToList();
    }

    public static TheoryData<string> States()
    {
        var data = new TheoryData<string>();
        foreach (var row in Documented())
        {
            data.Add(row.File);
        }

        return data;
    }

    private static (DocumentedState Row, JsonObject Vm) Load(string file)
    {
        var row = Documented().Single(r => r.File == file);
        var path = Path.Combine(CorpusDirectory, file);
        Assert.True(File.Exists(path), $"docs/gitops.md lists {file}, which tests/fixtures/status-corpus does not hold");
        return (row, JsonNode.Parse(File.ReadAllText(path))!.AsObject());
    }

    [Fact]
    public void The_doc_table_and_the_corpus_list_the_same_states_and_every_required_one()
    {
        var files = Directory.EnumerateFiles(CorpusDirectory, "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        var rows = Documented().Select(r => r.File).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(files, rows);
        foreach (var state in RequiredStates)
        {
            Assert.Contains(state + ".json", rows);
        }
    }

    [Theory]
    [MemberData(nameof(States))]
    public void Kstatus_reads_each_captured_state_as_the_gitops_doc_says(string file)
    {
        var (row, vm) = Load(file);

        var result = Kstatus.Compute(vm);

        Assert.True(row.Kstatus == result.Status, $"{file}: kstatus computes {result.Status} ({result.Message}); docs/gitops.md says {row.Kstatus}");
        Assert.Equal(row.Phase == "—" ? null : row.Phase, (string?)vm["status"]?["phase"]);
    }

    [SkippableTheory]
    [MemberData(nameof(States))]
    public void Argo_cd_reads_each_captured_state_as_the_gitops_doc_says(string file)
    {
        Skip.If(ArgoHealth.Interpreters.Length == 0, ArgoHealth.LuaMissing);
        var (row, vm) = Load(file);

        var (status, message) = ArgoHealth.Assess(vm);

        Assert.True(row.Argo == status, $"{file}: Argo CD's health is {status} ({message}); docs/gitops.md says {row.Argo}");
        Assert.StartsWith(row.ArgoMessagePrefix, message, StringComparison.Ordinal);
        if (vm["metadata"]?["deletionTimestamp"] is not null)
        {
            // Argo CD does not ask the check about an object being deleted; the check agrees anyway.
            Assert.Equal("Progressing", ArgoHealth.Run(vm.ToJsonString()).Status);
        }
    }

    [Fact]
    public void Every_captured_status_carries_the_generation_it_describes()
    {
        foreach (var row in Documented().Where(r => r.Phase != "—"))
        {
            var (_, vm) = Load(row.File);
            Assert.True(
                (long?)vm["status"]?["observedGeneration"] == (long?)vm["metadata"]?["generation"],
                $"{row.File}: status.observedGeneration {vm["status"]?["observedGeneration"]} is not metadata.generation {vm["metadata"]?["generation"]}");
        }
    }
}
