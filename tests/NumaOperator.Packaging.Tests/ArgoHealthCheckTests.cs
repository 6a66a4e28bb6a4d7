using NumaOperator.Tests.Shared;

namespace NumaOperator.Packaging.Tests;

/// <summary>
/// Runs the Argo CD health check (charts/numa-operator/health/nvm-health.lua) with the real Lua interpreters against
/// hand-written corner cases (StatusCorpusTests runs it on statuses captured from real runs), the way Argo CD runs it
/// (global `obj`, returned table). Argo CD embeds gopher-lua, a Lua 5.1, so the check runs under lua5.1 and lua5.4.
/// </summary>
public class ArgoHealthCheckTests
{
    private static string[] Interpreters => ArgoHealth.Interpreters;

    private const string LuaMissing = ArgoHealth.LuaMissing;

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
            "phase Failed without Stalled: a pre-flight failure the agent retries",
            """{"metadata":{"generation":1},"status":{"observedGeneration":1,"phase":"Failed","conditions":[{"type":"Running","status":"False","reason":"PreflightFailed"},{"type":"Reconciling","status":"True","reason":"PreflightFailed","message":"pre-flight: too few free 2Mi pages"}]}}""",
            "Progressing"
        },
        {
            "being deleted, even when Ready",
            """{"metadata":{"generation":2,"deletionTimestamp":"2026-01-01T00:00:00Z"},"status":{"observedGeneration":2,"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""",
            "Progressing"
        },
        {
            "node lost: Ready Unknown with Stalled",
            """{"metadata":{"generation":1},"status":{"observedGeneration":1,"phase":"Running","conditions":[{"type":"Ready","status":"Unknown","reason":"NodeLost"},{"type":"Stalled","status":"True","reason":"NodeLost","message":"the agent on node w7 has not renewed its heartbeat"}]}}""",
            "Degraded"
        },
        {
            "QEMU exited, waiting for its restart backoff",
            """{"metadata":{"generation":2},"spec":{"runStrategy":"Always"},"status":{"observedGeneration":2,"phase":"Stopped","conditions":[{"type":"Running","status":"False","reason":"RestartBackoff"},{"type":"Reconciling","status":"True","reason":"RestartBackoff","message":"QEMU pid 7 exited on its own"}]}}""",
            "Progressing"
        },
        {
            "a guest that powered off under RerunOnFailure",
            """{"metadata":{"generation":2},"spec":{"runStrategy":"RerunOnFailure"},"status":{"observedGeneration":2,"phase":"Stopped","conditions":[{"type":"Running","status":"False","reason":"Stopped","message":"QEMU exited on its own (GuestShutdown at 2026-12-04T23:50:00Z)"}]}}""",
            "Suspended"
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
        var script = File.ReadAllText(ArgoHealth.Script).ReplaceLineEndings("\n");
        var doc = File.ReadAllText(RepoPaths.Combine("docs", "gitops.md")).ReplaceLineEndings("\n");

        Assert.Contains("```lua\n" + script + "```", doc, StringComparison.Ordinal);
    }

    private static (string Status, string Message) RunHealthCheck(string vmJson) => ArgoHealth.Run(vmJson);
}
