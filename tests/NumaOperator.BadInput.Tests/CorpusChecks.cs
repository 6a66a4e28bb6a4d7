using System.Net;
using NumaOperator.Api.Serialization;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;
using NumaOperator.Controller.Scheduling;
using NumaOperator.Tests.Shared;

namespace NumaOperator.BadInput.Tests;

/// <summary>The per-surface assertions shared by the embedded-server and K3s runs: the stop, the message, and nothing changed.</summary>
public static class CorpusChecks
{
    public static void ContainsAll(string text, string field, IEnumerable<string> expected, string where)
    {
        Assert.True(text.Contains(field, StringComparison.Ordinal), $"{where}: the message does not name the field {field}:\n{text}");
        foreach (var part in expected)
        {
            Assert.True(text.Contains(part, StringComparison.Ordinal), $"{where}: the message does not say \"{part}\":\n{text}");
        }
    }

    /// <summary>The ManifestReader (place, standalone --apply) refuses the file; returns its message.</summary>
    public static string ReaderRefuses(CorpusEntry entry)
    {
        var e = Assert.Throws<ManifestException>(() => ManifestReader.Read(entry.Text, entry.Path, new ManifestSet()));
        return e.Message;
    }

    /// <summary>
    /// Applies one manifest and checks it stops at <paramref name="surface"/> with a message naming the field and the
    /// allowed values, and that nothing changed: no other VM stored, the ledger holds only the control VM, no QEMU.
    /// </summary>
    public static async Task AssertStopsAsync(EmbeddedEnvironment env, CorpusEntry entry, string surface, IReadOnlyList<string> apiText, IReadOnlyList<string> coreText)
    {
        await env.RemoveLeftoversAsync();
        try
        {
            await AssertStopsCoreAsync(env, entry, surface, apiText, coreText);
        }
        finally
        {
            await env.RemoveLeftoversAsync();
        }
    }

    private static async Task AssertStopsCoreAsync(EmbeddedEnvironment env, CorpusEntry entry, string surface, IReadOnlyList<string> apiText, IReadOnlyList<string> coreText)
    {
        var before = await env.ListAsync();
        Assert.Equal([EmbeddedEnvironment.ControlVm], before.Select(v => v.Metadata.Name));
        Assert.Equal(1, env.PlacedCount);
        string? uid = null;
        switch (surface)
        {
            case Surfaces.Parse:
                ContainsAll(ReaderRefuses(entry), entry.Field, coreText, entry.File + " (manifest reader)");
                break;
            case Surfaces.Schema or Surfaces.Rejected:
                {
                    var answer = await env.CreateAsync(EmbeddedEnvironment.ToJson(entry));
                    var expected = surface == Surfaces.Schema ? HttpStatusCode.UnprocessableEntity : HttpStatusCode.BadRequest;
                    Assert.True(answer.Code == expected, $"{entry.File}: expected HTTP {(int)expected}, got {(int)answer.Code}: {answer.Body}");
                    ContainsAll(answer.Text, entry.ApiField ?? entry.Field, apiText, entry.File + " (API server)");
                    if (surface == Surfaces.Schema)
                    {
                        var causes = answer.Status?.Details?.Causes ?? [];
                        Assert.True(
                            causes.Any(c => c.Field?.StartsWith(entry.Field, StringComparison.Ordinal) == true),
                            $"{entry.File}: no Status cause with field {entry.Field}: {string.Join(" | ", causes.Select(c => c.Field + ": " + c.Message))}");
                    }

                    break;
                }

            case Surfaces.Stalled:
                uid = await AssertStalledAsync(env, entry, coreText);
                break;
            default:
                throw new InvalidOperationException($"{entry.File}: surface {surface} is not checked against an API server here");
        }

        var after = await env.ListAsync();
        Assert.Equal([EmbeddedEnvironment.ControlVm], after.Select(v => v.Metadata.Name));
        Assert.Equal(1, env.PlacedCount);
        Assert.Empty(ProcScan.QemuCarrying([.. new[] { uid, "guest=" + entry.Name }.OfType<string>()]));
    }

    /// <summary>Stored, then Stalled=True InvalidSpec with the field path; never placed; an Event; deletable. Returns the uid.</summary>
    private static async Task<string> AssertStalledAsync(EmbeddedEnvironment env, CorpusEntry entry, IReadOnlyList<string> coreText)
    {
        var answer = await env.CreateAsync(EmbeddedEnvironment.ToJson(entry));
        Assert.True(answer.Stored, $"{entry.File}: expected the server to store it (the controller rejects it), got {(int)answer.Code}: {answer.Body}");
        var name = (await env.ListAsync()).Single(v => v.Metadata.Name != EmbeddedEnvironment.ControlVm).Metadata.Name;
        var vm = await env.WaitForAsync(name, v => ConditionList.IsTrue(v.Status?.Conditions, SchedulingReconciler.ConditionStalled));
        var stalled = ConditionList.Find(vm.Status!.Conditions, SchedulingReconciler.ConditionStalled)!;
        Assert.Equal(SchedulingStatus.ReasonInvalidSpec, stalled.Reason);
        ContainsAll(stalled.Message, entry.Field, coreText, entry.File + " (Stalled condition)");
        Assert.Equal(SchedulingStatus.ReasonInvalidSpec, ConditionList.Find(vm.Status.Conditions, SchedulingStatus.ConditionType)?.Reason);
        Assert.Null(vm.Status.Placement);
        Assert.Null(vm.Status.NodeName);
        Assert.False(vm.Metadata.Labels?.ContainsKey(ApiGroup.NodeLabel) == true, "an invalid VM got the node label");
        Assert.Equal(1, env.PlacedCount);
        var uid = vm.Metadata.Uid;
        // the Event follows the status write
        var events = await Eventually.LastReadingAsync(
            () => env.EventsAboutAsync(uid), found => found.Any(e => e.Reason == SchedulingStatus.ReasonInvalidSpec), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        Assert.True(
            events.Any(e => e.Reason == SchedulingStatus.ReasonInvalidSpec && e.Message.Contains(entry.Field, StringComparison.Ordinal)),
            $"{entry.File}: no InvalidSpec Event naming {entry.Field}; events: {string.Join(" | ", events.Select(e => e.Reason + ": " + e.Message))}");
        Assert.Empty(ProcScan.QemuCarrying(uid));
        await env.DeleteAndWaitGoneAsync(name);
        return uid;
    }
}
