using NumaOperator.Tests.Shared;

namespace NumaOperator.BadInput.Tests;

/// <summary>A sample of the corpus through the real kubectl (apply, its default strict field validation) against the embedded server.</summary>
public sealed class KubectlSampleTests(DefaultServerFixture fixture) : IClassFixture<DefaultServerFixture>, IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("numaop-badinput-kubectl-").FullName;

    /// <summary>One or more of each rule and surface kubectl can reach.</summary>
    public static TheoryData<string> Sample => Corpus.Files(e => e.Kubectl && new[]
    {
        "cpu-cores-zero.yaml", "cpu-cores-string.yaml", "memory-pagesize-3mi.yaml", "memory-size-not-2mi-multiple.yaml", "numa-nodes-letters.yaml",
        "numa-nodes-descending.yaml", "numa-guestnodes-exceed-listed.yaml", "nodeselector-value-shell.yaml", "nodeselector-key-shell.yaml",
        "metadata-name-shell.yaml", "metadata-label-value-shell.yaml", "boot-kernel-dotdot.yaml", "boot-disk-format-smuggle.yaml",
        "unknown-field-spec.yaml", "wrong-kind.yaml", "yaml-duplicate-keys.yaml", "yaml-billion-laughs.yaml",
    }.Contains(e.File));

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [SkippableTheory]
    [MemberData(nameof(Sample))]
    public async Task Kubectl_apply_fails_naming_the_field_and_stores_nothing(string file)
    {
        var kubectl = HostCapabilities.FindOnPath("kubectl");
        Skip.If(kubectl is null, "kubectl not found on PATH");
        var entry = Corpus.Get(file);
        var env = fixture.Env;
        await env.RemoveLeftoversAsync();
        var kubeconfig = Path.Combine(dir, "kubeconfig");
        env.Server!.WriteKubeconfig(kubeconfig);

        try
        {
            var (code, stdout, stderr) = await RunAsync(kubectl!, kubeconfig, "apply", "-f", entry.Path);

            Assert.True(code != 0, $"{file}: kubectl apply succeeded: {stdout}");
            if (entry.KubectlField is { } refusedBeforeSending)
            {
                Assert.Contains(refusedBeforeSending, stderr, StringComparison.Ordinal);
            }
            else if (entry.Surface == Surfaces.Parse)
            {
                Assert.Contains(entry.Field, stderr, StringComparison.Ordinal); // kubectl's YAML reader, its own words
            }
            else
            {
                CorpusChecks.ContainsAll(stderr, entry.ApiField ?? entry.Field, entry.Api, file + " (kubectl stderr)");
            }

            Assert.Equal([EmbeddedEnvironment.ControlVm], (await env.ListAsync()).Select(v => v.Metadata.Name));
            Assert.Equal(1, env.PlacedCount);
        }
        finally
        {
            await env.RemoveLeftoversAsync();
        }
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string kubectl, string kubeconfig, params string[] args) =>
        KubectlProcess.RunAsync(kubectl, kubeconfig, dir, TimeSpan.FromSeconds(60), args);
}
