using System.Text.Json;
using System.Text.RegularExpressions;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Packaging.Tests;

/// <summary>The parts of the repository's Dockerfile the tests hold in step with tests/tools/publish.sh.</summary>
public sealed partial record DockerfileFacts(
    string BuildBase,
    string RuntimeBase,
    string PublishScriptOutput,
    string CopiedFrom,
    string CopiedTo,
    IReadOnlyList<string> Entrypoint,
    string User,
    string RuntimeStage)
{
    public static string File => RepoPaths.Combine("Dockerfile");

    public static DockerfileFacts Read()
    {
        var text = System.IO.File.ReadAllText(File);
        var arguments = ArgDefault().Matches(text).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value.Trim(), StringComparer.Ordinal);
        string Resolve(string image) => ArgReference().Replace(image, m => arguments[m.Groups["name"].Value]);

        var stages = FromLine().Matches(text).ToDictionary(m => m.Groups["stage"].Value, m => m, StringComparer.Ordinal);
        var build = stages["build"];
        var runtime = stages["runtime"];
        var runtimeStage = text[runtime.Index..];
        var publish = PublishRun().Match(text[build.Index..runtime.Index]);
        var copy = CopyFromBuild().Match(runtimeStage);
        var entrypoint = EntrypointLine().Match(runtimeStage);
        var user = UserLine().Matches(runtimeStage).LastOrDefault();
        if (!publish.Success || !copy.Success || !entrypoint.Success || user is null)
        {
            throw new InvalidOperationException(
                $"{File}: expected `RUN ... bash tests/tools/publish.sh DIR` in the build stage and `COPY --from=build`, `USER` and an exec-form ENTRYPOINT in the runtime stage");
        }

        return new DockerfileFacts(
            Resolve(build.Groups["image"].Value),
            Resolve(runtime.Groups["image"].Value),
            publish.Groups["dir"].Value,
            copy.Groups["from"].Value,
            copy.Groups["to"].Value,
            JsonSerializer.Deserialize<string[]>(entrypoint.Groups["json"].Value) ?? [],
            user.Groups["user"].Value,
            runtimeStage);
    }

    [GeneratedRegex(@"^ARG\s+(?<name>[A-Z_]+)=(?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex ArgDefault();

    [GeneratedRegex(@"\$\{(?<name>[A-Z_]+)\}")]
    private static partial Regex ArgReference();

    [GeneratedRegex(@"^FROM\s+(?<image>\S+)\s+AS\s+(?<stage>\w+)", RegexOptions.Multiline)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"bash\s+tests/tools/publish\.sh\s+(?<dir>/\S+)")]
    private static partial Regex PublishRun();

    [GeneratedRegex(@"^COPY\s+--from=build\s+(?<from>/\S+)\s+(?<to>/\S+)", RegexOptions.Multiline)]
    private static partial Regex CopyFromBuild();

    [GeneratedRegex(@"^ENTRYPOINT\s+(?<json>\[.*\])\s*$", RegexOptions.Multiline)]
    private static partial Regex EntrypointLine();

    [GeneratedRegex(@"^USER\s+(?<user>\S+)", RegexOptions.Multiline)]
    private static partial Regex UserLine();
}
