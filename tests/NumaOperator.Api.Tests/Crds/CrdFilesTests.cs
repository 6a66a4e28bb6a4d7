using NumaOperator.Api.Crds;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Api.Tests.Crds;

/// <summary>crds/ is generated output: it must equal what the generator produces now.</summary>
public class CrdFilesTests
{
    private const string RefreshCommand = "dotnet run --project operator/NumaOperator -- crds --output-dir crds";

    [Fact]
    public void Crds_folder_matches_the_generator()
    {
        var dir = RepoPaths.Combine("crds");
        foreach (var crd in NumaOperatorCrds.All())
        {
            var path = Path.Combine(dir, CrdYaml.FileName(crd));
            Assert.True(File.Exists(path), $"{path} is missing; run `{RefreshCommand}`");
            var committed = File.ReadAllText(path);
            Assert.True(committed == CrdYaml.Render(crd), $"crds/{CrdYaml.FileName(crd)} is stale (the v1alpha1 types or the generator changed); run `{RefreshCommand}` and commit crds/");
        }
    }

    [Fact]
    public void Crds_folder_holds_nothing_else()
    {
        var expected = NumaOperatorCrds.All().Select(CrdYaml.FileName).Order(StringComparer.Ordinal);
        var actual = Directory.GetFiles(RepoPaths.Combine("crds")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(expected, actual);
    }
}
