using System.Text.Json.Nodes;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Packaging.Tests;

/// <summary>
/// Argo CD's health assessment of a NumaVirtualMachine: as gitops-engine's GetResourceHealth does, an object with a
/// deletionTimestamp is Progressing "Pending deletion" without asking the check; otherwise the Lua health check
/// (charts/numa-operator/health/nvm-health.lua) decides, run by the real lua5.1 and lua5.4 the way Argo CD runs it
/// (global `obj`, returned table). Every installed interpreter must give the same answer.
/// </summary>
public static class ArgoHealth
{
    public static string Script => Path.Combine(RenderedChart.ChartDirectory, "health", "nvm-health.lua");

    public static readonly string[] Interpreters =
        new[] { "lua5.1", "lua5.4" }.Select(HostCapabilities.FindOnPath).OfType<string>().ToArray();

    public const string LuaMissing = "neither lua5.1 nor lua5.4 is installed (apt-get install lua5.1 lua5.4); the Argo CD health check cannot be run";

    public static (string Status, string Message) Assess(JsonObject vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return vm["metadata"]?["deletionTimestamp"] is not null ? ("Progressing", "Pending deletion") : Run(vm.ToJsonString());
    }

    /// <summary>The Lua check's own answer (the same under every installed interpreter, or the test fails).</summary>
    public static (string Status, string Message) Run(string vmJson)
    {
        var results = Interpreters.Select(lua => (Lua: lua, Result: Run(lua, vmJson))).ToList();
        foreach (var (lua, result) in results)
        {
            Assert.True(result == results[0].Result, $"{lua} gives {result}, {results[0].Lua} gives {results[0].Result}");
        }

        return results[0].Result;
    }

    private static (string Status, string Message) Run(string lua, string vmJson)
    {
        var objectFile = Path.Combine(Path.GetTempPath(), $"numaop-nvm-{Guid.NewGuid():N}.lua");
        try
        {
            File.WriteAllText(objectFile, "return " + LuaLiteral.From(JsonNode.Parse(vmJson)) + "\n");
            var harness = Path.Combine(AppContext.BaseDirectory, "Lua", "run-health-check.lua");
            var result = ToolRun.Run(lua, [harness, Script, objectFile], TimeSpan.FromSeconds(30));
            Assert.True(result.ExitCode == 0, result.Describe());
            var fields = result.StandardOutput.TrimEnd('\n').Split('\t', 2);
            return (fields[0], fields.Length > 1 ? fields[1] : string.Empty);
        }
        finally
        {
            File.Delete(objectFile);
        }
    }
}
