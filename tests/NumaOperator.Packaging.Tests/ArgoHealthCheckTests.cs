using System.Text.Json.Nodes;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Packaging.Tests;

/// <summary>
/// Runs the Argo CD health check (charts/numa-operator/health/nvm-health.lua) with the real Lua
/// interpreters against sample NumaVirtualMachines, the way Argo CD runs it (global `obj`, returned table).
/// Argo CD embeds gopher-lua, a Lua 5.1, so the check runs under Debian's lua5.1 and lua5.4 when present.
/// </summary>
public class ArgoHealthCheckTests
{
    public static string HealthScript => Path.Combine(RenderedChart.ChartDirectory, "health", "nvm-health.lua");

    private static readonly string[] Interpreters =
        new[] { "lua5.1", "lua5.4" }.Select(HostCapabilities.FindOnPath).OfType<string>().ToArray();

    private const string LuaMissing = "neither lua5.1 nor lua5.4 is installed (apt-get install lua5.1 lua5.4); the Argo CD health check cannot be run";

    public static TheoryData<string, string, string> Samples => new()
    {
        {
            "no status yet",
            """{"metadata":{"name":"db1","generation":1},"spec":{"running":true}}""",
            "Progressing"
        },
        {
            "observedGeneration lags a Ready VM",
            """{"metadata":{"generation":3},"spec":{"running":true},"status":{"observedGeneration":2,"phase":"Running","conditions":[{"type":"Ready","status":"True","reason":"NumaAligned"}]}}""",
            "Progressing"
        },
        {
            "observedGeneration missing",
            """{"metadata":{"generation":1},"status":{"phase":"Pending"}}""",
            "Progressing"
        },
        {
            "Ready=True at the current generation",
            """{"metadata":{"generation":2},"spec":{"running":true},"status":{"observedGeneration":2,"phase":"Running","conditions":[{"type":"Running","status":"True"},{"type":"NumaAligned","status":"True"},{"type":"Ready","status":"True","reason":"NumaAligned","message":"30Gi on host node 1"}]}}""",
            "Healthy"
        },
        {
            "Stalled=True",
            """{"metadata":{"generation":1},"spec":{"running":true},"status":{"observedGeneration":1,"phase":"Pending","conditions":[{"type":"Ready","status":"False","reason":"Unschedulable"},{"type":"Stalled","status":"True","reason":"Unschedulable","message":"no node has 16Gi of 1Gi pages on one NUMA node"}]}}""",
            "Degraded"
        },
        {
            "Stalled=True wins over a stale Ready=True",
            """{"metadata":{"generation":4},"status":{"observedGeneration":4,"phase":"Running","conditions":[{"type":"Ready","status":"True"},{"type":"Stalled","status":"True","reason":"NotAligned"}]}}""",
            "Degraded"
        },
        {
            "Stalled=False and Reconciling=True",
            """{"metadata":{"generation":1},"status":{"observedGeneration":1,"phase":"Starting","conditions":[{"type":"Reconciling","status":"True","reason":"Starting"},{"type":"Stalled","status":"False"},{"type":"Ready","status":"False","reason":"Starting","message":"QEMU is starting"}]}}""",
            "Progressing"
        },
        {
            "phase Failed without Stalled",
            """{"metadata":{"generation":1},"status":{"observedGeneration":1,"phase":"Failed","conditions":[{"type":"Ready","status":"False","reason":"QemuExited","message":"exit code 1"}]}}""",
            "Degraded"
        },
        {
            "stopped on purpose",
            """{"metadata":{"generation":5},"spec":{"running":false},"status":{"observedGeneration":5,"phase":"Stopped","conditions":[{"type":"Ready","status":"False","reason":"Stopped"}]}}""",
            "Suspended"
        },
    };

    [SkippableTheory]
    [MemberData(nameof(Samples))]
    public void Health_follows_generation_ready_and_stalled(string description, string vmJson, string expectedHealth)
    {
        Skip.If(Interpreters.Length == 0, LuaMissing);

        var (status, message) = RunHealthCheck(vmJson);

        Assert.True(expectedHealth == status, $"{description}: expected {expectedHealth}, got {status} ({message})");
        Assert.False(string.IsNullOrWhiteSpace(message), $"{description}: the health check gave no message");
    }

    [SkippableFact]
    public void Degraded_message_carries_the_stalled_reason_and_message()
    {
        Skip.If(Interpreters.Length == 0, LuaMissing);

        var (status, message) = RunHealthCheck(
            """{"metadata":{"generation":1},"status":{"observedGeneration":1,"conditions":[{"type":"Stalled","status":"True","reason":"Unschedulable","message":"no node has 4 free CPUs on NUMA node 1"}]}}""");

        Assert.Equal("Degraded", status);
        Assert.Equal("Unschedulable: no node has 4 free CPUs on NUMA node 1", message);
    }

    [Fact]
    public void Gitops_doc_shows_the_health_check_verbatim()
    {
        var script = File.ReadAllText(HealthScript).ReplaceLineEndings("\n");
        var doc = File.ReadAllText(RepoPaths.Combine("docs", "gitops.md")).ReplaceLineEndings("\n");

        Assert.Contains("```lua\n" + script + "```", doc, StringComparison.Ordinal);
    }

    /// <summary>The check's result, the same under every installed interpreter (else the test fails).</summary>
    private static (string Status, string Message) RunHealthCheck(string vmJson)
    {
        var results = Interpreters.Select(lua => (Lua: lua, Result: RunHealthCheck(lua, vmJson))).ToList();
        foreach (var (lua, result) in results)
        {
            Assert.True(result == results[0].Result, $"{lua} gives {result}, {results[0].Lua} gives {results[0].Result}");
        }

        return results[0].Result;
    }

    private static (string Status, string Message) RunHealthCheck(string lua, string vmJson)
    {
        var objectFile = Path.Combine(Path.GetTempPath(), $"numaop-nvm-{Guid.NewGuid():N}.lua");
        try
        {
            File.WriteAllText(objectFile, "return " + LuaLiteral.From(JsonNode.Parse(vmJson)) + "\n");
            var harness = Path.Combine(AppContext.BaseDirectory, "Lua", "run-health-check.lua");
            var result = ToolRun.Run(lua, [harness, HealthScript, objectFile], TimeSpan.FromSeconds(30));
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
