using System.Text.Json.Nodes;
using NumaOperator.Api.Status;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Standalone.Tests;

/// <summary>NumaVirtualMachineMigration objects through the real kubectl: the manifest, reading one, waiting for its end.</summary>
public static class MigrationObjects
{
    public const string Resource = "numavirtualmachinemigrations";

    /// <summary>A migration of VM <paramref name="vm"/> (namespace default) to node <paramref name="targetNode"/>, optionally at most <paramref name="bandwidth"/> bytes/s (a quantity, e.g. 4Mi).</summary>
    public static string Manifest(string name, string vm, string? targetNode = null, string? targetNumaNodes = null, string? bandwidth = null)
    {
        var spec = new JsonObject { ["vmName"] = vm };
        if (targetNode is not null)
        {
            spec["targetNode"] = targetNode;
        }

        if (targetNumaNodes is not null)
        {
            spec["targetNumaNodes"] = targetNumaNodes;
        }

        if (bandwidth is not null)
        {
            spec["bandwidth"] = bandwidth;
        }

        return new JsonObject
        {
            ["apiVersion"] = "numaoperator.io/v1alpha1",
            ["kind"] = "NumaVirtualMachineMigration",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
            ["spec"] = spec,
        }.ToJsonString();
    }

    public static async Task<JsonObject?> GetAsync(Kubectl kubectl, string name)
    {
        ArgumentNullException.ThrowIfNull(kubectl);
        var (code, stdout, stderr) = await kubectl.RunAsync("get", Resource, name, "-o", "json");
        return code == 0 ? (JsonObject)JsonNode.Parse(stdout)! : throw new InvalidOperationException($"kubectl get {Resource} {name}: exit {code}: {stderr}");
    }

    public static string Phase(JsonObject? migration) => MigrationPhases.Of((string?)migration?["status"]?["phase"]);

    public static string Describe(JsonObject? migration) =>
        migration is null ? "absent" : $"phase {Phase(migration)} reason {(string?)migration["status"]?["reason"]}: {(string?)migration["status"]?["message"]}; status {migration["status"]?.ToJsonString()}";

    /// <summary>
    /// Polls the migration (and runs <paramref name="alsoEachPoll"/>, e.g. a serial-log follower) until <paramref name="done"/>
    /// holds; the phases seen, in order, go into <paramref name="phases"/>.
    /// </summary>
    public static Task<JsonObject?> WaitAsync(
        TwoAgentCluster cluster, string name, Func<JsonObject?, bool> done, TimeSpan timeout, List<string> phases, Action? alsoEachPoll = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(phases);
        return Eventually.UntilAsync(
            async () =>
            {
                alsoEachPoll?.Invoke();
                var migration = await GetAsync(cluster.Kubectl, name);
                var phase = Phase(migration);
                if (phases.Count == 0 || phases[^1] != phase)
                {
                    phases.Add(phase);
                }

                return migration;
            },
            done,
            timeout,
            $"migration {name}",
            describe: Describe,
            context: () => $"phases seen: {string.Join(" → ", phases)}\n{cluster.Output}",
            poll: TimeSpan.FromMilliseconds(300));
    }
}

/// <summary>
/// Keeps the counts of a serial log that may disappear (a migrated VM's old state dir is removed): each poll reads the
/// log and keeps the longest reading.
/// </summary>
public sealed class CountFollower(string serialLog)
{
    public IReadOnlyList<long> Counts { get; private set; } = [];

    public void Poll()
    {
        var now = GuestCounter.Counts(serialLog);
        if (now.Count >= Counts.Count)
        {
            Counts = now;
        }
    }
}
