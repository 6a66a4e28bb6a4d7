using System.Text.Json.Nodes;

namespace NumaOperator.NumaLab.Tests;

/// <summary>Reads `numa-operator launch -o json` (operator/NumaOperator/Commands/LaunchReport.cs).</summary>
public static class LaunchJson
{
    public static JsonObject Parse(LabCommandResult result) =>
        JsonNode.Parse(result.Stdout)?.AsObject() ?? throw new InvalidOperationException($"launch printed no JSON object: {result.Stdout}");

    public static IEnumerable<string> Argv(JsonObject json) => json["argv"]!.AsArray().Select(a => a!.GetValue<string>());

    /// <summary>All guest RAM measured on host node <paramref name="node"/>.</summary>
    public static long NodeBytes(JsonObject json, int node) => Bytes(json["guestRamBytesByNode"]!, node);

    /// <summary>Guest node <paramref name="guestNode"/>'s RAM measured on host node <paramref name="node"/>.</summary>
    public static long GuestNodeBytes(JsonObject json, int guestNode, int node) => Bytes(GuestNode(json, guestNode)["nodes"]!, node);

    public static JsonObject GuestNode(JsonObject json, int guestNode) =>
        json["guestNodes"]!.AsArray().Single(g => g!["guestNode"]!.GetValue<int>() == guestNode)!.AsObject();

    public static IEnumerable<string> GuestNodePolicies(JsonObject json, int guestNode) =>
        GuestNode(json, guestNode)["policies"]!.AsArray().Select(p => p!.GetValue<string>());

    public static long FreePages(JsonObject json, string key, int node) =>
        json[key]!.AsArray().Single(n => n!["node"]!.GetValue<int>() == node)!["free"]!.GetValue<long>();

    private static long Bytes(JsonNode nodes, int node) =>
        nodes.AsArray().Where(n => n!["node"]!.GetValue<int>() == node).Sum(n => n!["bytes"]!.GetValue<long>());
}
