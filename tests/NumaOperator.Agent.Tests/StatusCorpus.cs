using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Agent.Tests;

/// <summary>
/// tests/fixtures/status-corpus: NumaVirtualMachines as the controller and agent wrote them in a real run, one file
/// per state, read by the kstatus port and the Argo CD health check (tests/NumaOperator.Packaging.Tests). What varies
/// from run to run (uid, resourceVersion, times, pids, temporary paths) is replaced by fixed text so a recapture
/// changes a file only when what the code writes changed; staleness is judged on <see cref="Projection"/>, the part
/// GitOps tools read.
/// </summary>
public static partial class StatusCorpus
{
    /// <summary>Set to 1 to rewrite the corpus from the run instead of comparing with it.</summary>
    public const string UpdateVariable = "NUMAOP_UPDATE_STATUS_CORPUS";

    public const string FixedTime = "2026-01-01T00:00:00Z";

    public static string Directory => RepoPaths.Fixture("status-corpus");

    public static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    public static string PathOf(string state) => Path.Combine(Directory, state + ".json");

    /// <summary>The object as stored in the corpus: volatile fields fixed, the rest as written.</summary>
    public static JsonObject Normalize(NumaVirtualMachine vm)
    {
        var node = JsonNode.Parse(KubernetesJson.Serialize(vm))!.AsObject();
        node["apiVersion"] = ApiGroup.ApiVersion;
        node["kind"] = NumaVirtualMachine.KubeKind;
        var metadata = node["metadata"]!.AsObject();
        foreach (var volatileField in new[] { "uid", "resourceVersion", "creationTimestamp", "managedFields", "selfLink" })
        {
            metadata.Remove(volatileField);
        }

        if (metadata.ContainsKey("deletionTimestamp"))
        {
            metadata["deletionTimestamp"] = FixedTime;
        }

        if (node["status"] is JsonObject status)
        {
            if (status["numastat"] is JsonObject numastat)
            {
                numastat["sampledAt"] = FixedTime;
            }

            foreach (var condition in (status["conditions"] as JsonArray ?? []).OfType<JsonObject>())
            {
                condition["lastTransitionTime"] = FixedTime;
                if (condition["message"]?.GetValue<string>() is { } message)
                {
                    condition["message"] = Scrub(message);
                }
            }
        }

        return node;
    }

    /// <summary>What kstatus and the Argo CD health check read; two objects with equal projections read the same.</summary>
    public static string Projection(JsonObject vm)
    {
        var status = vm["status"] as JsonObject;
        var conditions = (status?["conditions"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(c => $"{c["type"]}={c["status"]}/{c["reason"]}@{c["observedGeneration"]}")
            .Order(StringComparer.Ordinal);
        return string.Join(
            "; ",
            [
                $"generation {vm["metadata"]?["generation"]}",
                $"deleting {vm["metadata"]?["deletionTimestamp"] is not null}",
                $"spec.running {vm["spec"]?["running"]}",
                $"phase {status?["phase"]}",
                $"observedGeneration {status?["observedGeneration"]}",
                .. conditions,
            ]);
    }

    public static string Serialize(JsonObject vm) =>
        vm.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";

    /// <summary>Writes the captured state (update mode) or returns why the committed one is stale (null when it is not).</summary>
    public static string? Check(string state, NumaVirtualMachine captured)
    {
        var normalized = Normalize(captured);
        var path = PathOf(state);
        if (Updating)
        {
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllText(path, Serialize(normalized));
            return null;
        }

        if (!File.Exists(path))
        {
            return $"{state}: {path} is missing; capture it with {UpdateVariable}=1";
        }

        var committed = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var (want, got) = (Projection(committed), Projection(normalized));
        return want == got ? null : $"{state}: the corpus is stale (recapture with {UpdateVariable}=1)\n  committed: {want}\n  written:   {got}";
    }

    private static string Scrub(string message)
    {
        message = Guid().Replace(message, "00000000-0000-0000-0000-000000000000");
        message = Pid().Replace(message, "pid 4242");
        message = TempPath().Replace(message, "/tmp/numaop-corpus");
        return Timestamp().Replace(message, FixedTime);
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Guid();

    [GeneratedRegex(@"pid \d+")]
    private static partial Regex Pid();

    [GeneratedRegex(@"/tmp/[^\s;,)']+")]
    private static partial Regex TempPath();

    [GeneratedRegex(@"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")]
    private static partial Regex Timestamp();
}
