using System.Globalization;
using System.Text.Json.Nodes;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Measurement;
using NumaOperator.Qemu.Supervision;

namespace NumaOperator.Cli.Commands;

/// <summary>What one `numa-operator launch` did: the launch, its timings and (with --measure) the measurement and verdict.</summary>
internal sealed record LaunchResult(
    VmLaunchSpec Spec,
    QemuHostFacts Facts,
    IReadOnlyList<string> Argv,
    int Pid,
    LaunchTimings Timings,
    NumaMeasurement? Measurement,
    NumaVerdict? Verdict,
    IReadOnlyDictionary<int, long> FreeBefore,
    IReadOnlyDictionary<int, long> FreeAfter,
    bool Stopped,
    IReadOnlyList<int> Nodes);

/// <summary>`launch`'s output: one JSON object (-o json, read by the NUMA lab) or a table for people.</summary>
internal static class LaunchReport
{
    public static JsonObject ToJson(LaunchResult r)
    {
        var json = new JsonObject
        {
            ["name"] = r.Spec.Name,
            ["uuid"] = r.Spec.Uuid.ToString("D"),
            ["pid"] = r.Pid,
            ["stateDir"] = r.Spec.State.Directory,
            ["qemuVersion"] = r.Facts.QemuVersion.ToString(),
            ["accel"] = r.Spec.Cpu.QemuAccelerator,
            ["accelerator"] = AcceleratorNames.Of(r.Spec.Cpu.Accelerator),
            ["cpuModel"] = r.Spec.Cpu.Model,
            ["cpu"] = r.Spec.Cpu.QemuValue,
            ["bindingOmittedForTest"] = r.Spec.Binding == BindingForTest.Omitted,
            ["bindingForTest"] = r.Spec.Binding.ToString(),
            ["pageSize"] = r.Spec.Placement.PageSize.ToString(),
            ["argv"] = new JsonArray([.. r.Argv.Select(a => (JsonNode?)JsonValue.Create(a))]),
            ["placement"] = new JsonArray([.. r.Spec.Placement.GuestNodes.Select(g => (JsonNode?)new JsonObject
            {
                ["guestNode"] = g.GuestNode,
                ["hostNode"] = g.HostNode,
                ["vcpus"] = g.Vcpus.ToString(),
                ["hostCpus"] = g.HostCpus.ToString(),
                ["memoryBytes"] = g.MemoryBytes,
            })]),
            ["distances"] = new JsonArray([.. r.Spec.Distances.Select(d => (JsonNode?)new JsonObject
            {
                ["src"] = d.SourceGuestNode,
                ["dst"] = d.DestinationGuestNode,
                ["val"] = d.Value,
            })]),
            ["timingsMs"] = new JsonObject
            {
                ["daemonized"] = Ms(r.Timings.Daemonized),
                ["qmpReady"] = Ms(r.Timings.QmpReady),
                ["pinned"] = Ms(r.Timings.Pinned),
                ["running"] = Ms(r.Timings.Running),
            },
            ["measured"] = r.Measurement is not null,
            ["freeHugepagesBefore"] = NodeCounts(r.FreeBefore),
            ["freeHugepagesAfter"] = NodeCounts(r.FreeAfter),
            ["stopped"] = r.Stopped,
        };
        if (r.Measurement is { } m && r.Verdict is { } v)
        {
            json["guestRamBytes"] = m.GuestRamBytes;
            json["expectedGuestRamBytes"] = m.Layout.ExpectedBytes;
            json["guestRamBytesByNode"] = NodeBytes(m.GuestRamBytesByNode);
            json["processBytesByNode"] = NodeBytes(m.ProcessBytesByNode);
            json["guestRamPolicies"] = new JsonArray([.. m.GuestRamMappings.Select(g => (JsonNode?)JsonValue.Create(g.Policy))]);
            json["guestRamKernelPageBytes"] = new JsonArray([.. m.GuestRamMappings.Select(g => (JsonNode?)JsonValue.Create(g.KernelPageBytes))]);
            json["guestNodes"] = new JsonArray([.. m.GuestNodes.Select(g => (JsonNode?)new JsonObject
            {
                ["guestNode"] = g.GuestNode,
                ["hostNode"] = g.HostNode,
                ["backend"] = g.Backend.Id,
                ["placedBytes"] = g.Backend.Bytes,
                ["mappedBytes"] = g.MappedBytes,
                ["policies"] = new JsonArray([.. g.Policies.Select(p => (JsonNode?)JsonValue.Create(p))]),
                ["kernelPageBytes"] = new JsonArray([.. g.KernelPageBytes.Select(p => (JsonNode?)JsonValue.Create(p))]),
                ["nodes"] = NodeBytes(g.BytesByNode),
            })]);
            json["localRatio"] = m.LocalRatioText;
            json["aligned"] = v.Aligned;
            json["reason"] = v.Reason;
            json["verdict"] = v.Message;
        }

        return json;
    }

    private static JsonArray NodeBytes(IReadOnlyDictionary<int, long> bytes) =>
        [.. bytes.OrderBy(kv => kv.Key).Select(kv => (JsonNode?)new JsonObject { ["node"] = kv.Key, ["bytes"] = kv.Value })];

    private static JsonArray NodeCounts(IReadOnlyDictionary<int, long> pages) =>
        [.. pages.OrderBy(kv => kv.Key).Select(kv => (JsonNode?)new JsonObject { ["node"] = kv.Key, ["free"] = kv.Value })];

    private static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 1);

    public static void WriteTable(LaunchResult r, TextWriter o)
    {
        var spec = r.Spec;
        o.WriteLine($"VM {spec.Name}  uuid {spec.Uuid:D}  pid {r.Pid}  QEMU {r.Facts.QemuVersion}  {r.Spec.Cpu}{(spec.Binding == BindingForTest.AsPlaced ? string.Empty : $"  (binding {spec.Binding.ToString().ToUpperInvariant()} for test)")}");
        o.WriteLine($"state dir {spec.State.Directory}  (argv in {spec.State.ArgvFile})");
        foreach (var g in spec.Placement.GuestNodes)
        {
            var cpus = g.HostCpus.IsEmpty ? "the node's shared CPUs (not dedicated)" : $"host CPUs {g.HostCpus}";
            o.WriteLine($"guest node {g.GuestNode} -> host node {g.HostNode}: vCPUs {g.Vcpus} on {cpus}, {ByteQuantity.Human(g.MemoryBytes)} in {spec.Placement.PageSize} pages, policy {spec.Placement.Policy}");
        }

        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"launch: daemonized {Ms(r.Timings.Daemonized)} ms, QMP ready {Ms(r.Timings.QmpReady)} ms, pinned {Ms(r.Timings.Pinned)} ms, running {Ms(r.Timings.Running)} ms"));
        if (r.Measurement is { } m && r.Verdict is { } v)
        {
            var nodes = r.Nodes.Concat(m.ProcessBytesByNode.Keys).Distinct().Order().ToArray();
            var huge = spec.Placement.PageSize.IsHuge;
            var header = $"{"HOST NODE",-10} {"GUEST RAM",-12} {"PROCESS",-12}";
            if (huge)
            {
                header += $" {"FREE " + spec.Placement.PageSize + " BEFORE",-18} {"FREE " + spec.Placement.PageSize + " AFTER",-18}";
            }

            o.WriteLine("measured (/proc/" + r.Pid + "/numa_maps):");
            o.WriteLine(header);
            foreach (var node in nodes)
            {
                var line = $"{node,-10} {ByteQuantity.Human(m.GuestRamBytesByNode.GetValueOrDefault(node)),-12} {ByteQuantity.Human(m.ProcessBytesByNode.GetValueOrDefault(node)),-12}";
                if (huge)
                {
                    line += $" {r.FreeBefore.GetValueOrDefault(node),-18} {r.FreeAfter.GetValueOrDefault(node),-18}";
                }

                o.WriteLine(line);
            }

            foreach (var g in m.GuestNodes)
            {
                var where = g.BytesByNode.Count == 0 ? "nothing resident" : string.Join(", ", g.BytesByNode.Select(kv => $"{ByteQuantity.Human(kv.Value)} on host node {kv.Key}"));
                o.WriteLine($"guest node {g.GuestNode} (placed on host node {g.HostNode}, backend {g.Backend.Id}, policy {(g.Policies.Count == 0 ? "-" : string.Join(",", g.Policies))}): {where}");
            }

            o.WriteLine($"guest RAM policies: {string.Join(", ", m.GuestRamMappings.Select(g => g.Policy).Distinct())}; localRatio {m.LocalRatioText}");
            o.WriteLine(v.Message);
        }

        o.WriteLine(r.Stopped
            ? "stopped; state dir removed"
            : $"running daemonized; stop it with: kill {r.Pid} && rm -rf {spec.State.Directory}");
    }

}
