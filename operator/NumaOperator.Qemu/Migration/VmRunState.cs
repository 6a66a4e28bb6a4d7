using System.Text.Json.Nodes;

namespace NumaOperator.Qemu.Migration;

/// <summary>
/// QEMU's RunState (query-status "status") as the migration cares about it: running, paused (-S, or an incoming
/// QEMU after the stream), inmigrate (waiting for or receiving the stream), postmigrate (a source that sent
/// everything and stays paused until it is resumed or stopped). Pure.
/// </summary>
public static class VmRunState
{
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Prelaunch = "prelaunch";
    public const string InMigrate = "inmigrate";
    public const string PostMigrate = "postmigrate";
    public const string FinishMigrate = "finish-migrate";

    /// <summary>Reads a query-status "return" object.</summary>
    /// <exception cref="FormatException">No status text in it.</exception>
    public static string Parse(JsonNode? reply) =>
        reply is JsonObject o && o["status"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? v.GetValue<string>()
            : throw new FormatException($"query-status returned no status: {reply?.ToJsonString() ?? "null"}");
}
