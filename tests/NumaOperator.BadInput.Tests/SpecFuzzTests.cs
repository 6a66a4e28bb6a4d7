using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using NumaOperator.Api.Crds;
using NumaOperator.ApiServer.Schema;
using NumaOperator.Api.Serialization;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;
using NumaOperator.Numa.Topology;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Host;

namespace NumaOperator.BadInput.Tests;

/// <summary>
/// Seeded random specs, hostile text in every string field, through the whole path user text takes: validation core,
/// placement engine, QEMU argv builder. Nothing throws but the documented bad-input exceptions, and no user text ever
/// becomes a QEMU option or an extra key of an option list. (tests/NumaOperator.Qemu.Tests/ArgvFuzzTests.cs varies the
/// argv builder's inputs directly; this drives it from whole specs.)
/// </summary>
public sealed class SpecFuzzTests
{
    private const string Hostile = "-,,=;:$`|&<>(){}[]*?!#~/.\\\"' \t\n\0\u202e\u00e9\u4e2d..--";
    private const string ImageRoot = "/var/lib/numa-operator/images";

    /// <summary>Every flag QEMU may see; anything else in a flag position means user text became an option.</summary>
    private static readonly HashSet<string> Flags =
    [
        "-name", "-uuid", "-machine", "-cpu", "-nodefaults", "-no-user-config", "-display", "-smp", "-m", "-object", "-numa",
        "-chardev", "-serial", "-mon", "-pidfile", "-kernel", "-initrd", "-append", "-drive", "-sandbox", "-daemonize", "-S",
    ];

    private static readonly HashSet<string> NoValue = ["-nodefaults", "-no-user-config", "-daemonize", "-S"];

    /// <summary>Flags whose value QEMU reads whole (never as key=value options).</summary>
    private static readonly HashSet<string> Verbatim = ["-append", "-kernel", "-initrd", "-pidfile", "-uuid", "-m", "-serial", "-display", "-cpu"];

    private static readonly Dictionary<string, HashSet<string>> OptionKeys = new(StringComparer.Ordinal)
    {
        ["-name"] = ["guest", "debug-threads"],
        ["-machine"] = ["<flag>:q35", "accel"],
        ["-smp"] = ["<flag>:*", "sockets", "cores", "threads"],
        ["-object"] = ["<flag>:memory-backend-file", "<flag>:memory-backend-ram", "<flag>:thread-context", "id", "size", "mem-path", "share", "prealloc", "host-nodes", "policy", "prealloc-threads", "prealloc-context", "node-affinity"],
        ["-numa"] = ["<flag>:node", "nodeid", "cpus", "memdev"],
        ["-chardev"] = ["<flag>:file", "<flag>:socket", "id", "path", "server", "wait", "logfile", "logappend"],
        ["-mon"] = ["chardev", "mode"],
        ["-drive"] = ["file", "format", "if"],
        ["-sandbox"] = ["<flag>:on", "obsolete", "resourcecontrol"],
    };

    [Fact]
    public void Random_specs_never_throw_and_never_become_qemu_options()
    {
        var random = new Random(8_2026_11_29);
        var cluster = Cluster();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal) { ["invalid"] = 0, ["unschedulable"] = 0, ["placed"] = 0 };
        for (var round = 0; round < 4000; round++)
        {
            var vm = RandomVm(random, round);
            VmValidationResult validation;
            try
            {
                validation = NumaVirtualMachineValidator.Validate(vm);
            }
            catch (Exception e)
            {
                Assert.Fail($"round {round}: the validator threw {e.GetType().Name}: {e.Message}\n{k8s.KubernetesJson.Serialize(vm)}");
                throw;
            }

            if (!validation.IsValid)
            {
                Assert.All(validation.Errors, e => Assert.True(e.Path.StartsWith("spec.", StringComparison.Ordinal) || e.Path.StartsWith("metadata.", StringComparison.Ordinal), e.ToString()));
                counts["invalid"]++;
                continue;
            }

            var ledger = new PlacementLedger(cluster);
            if (PlacementEngine.Decide(ledger, validation.Request!) is not PlacementDecision.Placed placed)
            {
                counts["unschedulable"]++;
                continue;
            }

            counts["placed"]++;
            var spec = new VmLaunchSpec(
                vm.Metadata.Name,
                Guid.NewGuid(),
                placed.Placement,
                new NumaOperator.Qemu.Capabilities.QemuCpu(NumaOperator.Numa.Placement.Accelerator.Emulation, placed.Placement.CpuModel, NumaOperator.Qemu.Capabilities.QemuAccelerators.QemuModel(placed.Placement.CpuModel)),
                Resolve(vm.Spec.Boot),
                new VmStatePaths("/run/numa-operator/vms/" + vm.Metadata.Name));
            AssertNoUserOption(QemuArgvBuilder.Build("/usr/bin/qemu-system-x86_64", spec, TestHost), vm, round);
        }

        // The generator must reach every stage often, or the property says little.
        Assert.All(counts, c => Assert.True(c.Value > 100, $"only {c.Value} {c.Key} specs in 4000 rounds: {string.Join(", ", counts)}"));
    }

    [Fact]
    public void Random_json_through_the_crd_schema_never_throws()
    {
        var schema = StructuralSchema.FromCrd(NumaOperatorCrds.NumaVirtualMachineCrd().Spec.Versions[0].Schema.OpenAPIV3Schema);
        var random = new Random(20261129);
        for (var round = 0; round < 3000; round++)
        {
            var vm = k8s.KubernetesJson.Serialize(RandomVm(random, round));
            var node = JsonNode.Parse(vm)!.AsObject();
            Mutate(random, node, depth: 0);
            var result = CustomResourceSchemaAdmission.Admit(schema, node);
            Assert.All(result.Errors, e => Assert.False(string.IsNullOrEmpty(e.Path), e.ToString()));
        }
    }

    [Fact]
    public void Mutated_corpus_files_only_ever_fail_with_a_manifest_error()
    {
        var random = new Random(1129);
        var sources = Corpus.Entries.Select(e => e.Text).Where(t => t.Length < 20_000).ToList();
        for (var round = 0; round < 3000; round++)
        {
            var text = new StringBuilder(sources[random.Next(sources.Count)]);
            var edits = random.Next(1, 6);
            for (var i = 0; i < edits && text.Length > 0; i++)
            {
                var at = random.Next(text.Length);
                switch (random.Next(4))
                {
                    case 0:
                        text.Remove(at, Math.Min(random.Next(1, 10), text.Length - at));
                        break;
                    case 1:
                        text.Insert(at, Hostile[random.Next(Hostile.Length)]);
                        break;
                    case 2:
                        text.Insert(at, random.Next(3) switch { 0 => "&a ", 1 => "*a", _ => "\n  - " });
                        break;
                    default:
                        text.Length = at;
                        break;
                }
            }

            try
            {
                ManifestReader.Read(text.ToString(), "fuzz.yaml", new ManifestSet());
            }
            catch (ManifestException)
            {
                // the documented bad-input error (exit 2)
            }
            catch (Exception e)
            {
                Assert.Fail($"round {round}: {e.GetType().Name}: {e.Message}\n--- input ---\n{text}");
            }
        }
    }

    private static readonly QemuHostFacts TestHost = new(new Version(7, 2, 0), [new HugetlbfsMount("/dev/hugepages", 2L << 20), new HugetlbfsMount("/dev/hugepages1G", 1L << 30)]);

    /// <summary>Boot names that passed validation, joined to the image root as the agent's resolution would (no files needed).</summary>
    private static ResolvedBoot Resolve(BootSpec? boot) => boot is null
        ? ResolvedBoot.FirmwareOnly
        : new ResolvedBoot(
            boot.Kernel is null ? null : Path.Combine(ImageRoot, boot.Kernel),
            boot.Initrd is null ? null : Path.Combine(ImageRoot, boot.Initrd),
            boot.Cmdline,
            boot.Disk is null ? null : Path.Combine(ImageRoot, boot.Disk.Image),
            boot.Disk?.Format);

    /// <summary>
    /// Walks the argv as QEMU does: every flag is one of ours, every value sits after its flag, and every key=value
    /// list splits (QEMU's ",," rule) into our keys only. User text (name, boot names, cmdline) appears only as values.
    /// </summary>
    private static void AssertNoUserOption(IReadOnlyList<string> argv, NumaVirtualMachine vm, int round)
    {
        var where = $"round {round}: {string.Join(' ', argv)}";
        var i = 1;
        while (i < argv.Count)
        {
            var flag = argv[i];
            Assert.True(Flags.Contains(flag), $"{where}\nargv[{i}] = \"{flag}\" is not one of the builder's flags");
            if (NoValue.Contains(flag))
            {
                i++;
                continue;
            }

            Assert.True(i + 1 < argv.Count, $"{where}\n{flag} has no value");
            var value = argv[i + 1];
            if (flag != "-append")
            {
                Assert.False(value.StartsWith('-'), $"{where}\nthe value of {flag} starts with '-'");
            }

            if (!Verbatim.Contains(flag))
            {
                var keys = QemuOptionValue.Split(value).Select(Key).ToList();
                Assert.All(keys, k => Assert.True(OptionKeys[flag].Contains(k) || (flag == "-smp" && k.StartsWith("<flag>:", StringComparison.Ordinal) && int.TryParse(k[7..], out _)), $"{where}\n{flag} {value}: key \"{k}\" is not one the builder writes"));
                var once = keys.Where(k => k != "cpus").ToList(); // -numa repeats cpus= per range, nothing else repeats
                Assert.True(once.Count == once.Distinct().Count(), $"{where}\n{flag} {value}: a key appears twice");
            }

            i += 2;
        }

        var name = argv[argv.ToList().IndexOf("-name") + 1];
        Assert.Equal("guest=" + vm.Metadata.Name.Replace(",", ",,", StringComparison.Ordinal) + ",debug-threads=on", name);
        if (vm.Spec.Boot?.Cmdline is { } cmdline)
        {
            Assert.Equal(cmdline, argv[argv.ToList().IndexOf("-append") + 1]);
        }
    }

    private static string Key(string part)
    {
        var eq = part.IndexOf('=', StringComparison.Ordinal);
        if (eq >= 0)
        {
            return part[..eq];
        }

        return "<flag>:" + part;
    }

    private static ClusterSnapshot Cluster()
    {
        HostNumaNode Numa(int id) => new(
            id,
            CpuSet.Of(Enumerable.Range(id * 16, 16)),
            [.. Enumerable.Range(0, 8).Select(c => CpuSet.Of([(id * 16) + (2 * c), (id * 16) + (2 * c) + 1]))],
            256L << 30,
            [new HugepagePool(PageSize.Huge2Mi, 65536, 65536), new HugepagePool(PageSize.Huge1Gi, 64, 64)],
            [.. Enumerable.Range(0, 4).Select(o => o == id ? 10 : 21)]);
        return new ClusterSnapshot([
            new ClusterNode("worker-1", new Dictionary<string, string> { ["zone"] = "a", ["kubernetes.io/hostname"] = "worker-1" }, new HostTopology([Numa(0), Numa(1), Numa(2), Numa(3)]), CpuSet.Empty),
        ]);
    }

    /// <summary>A spec whose every field is, independently, a good value or (with probability <paramref name="r"/>-chosen per spec) a bad or hostile one.</summary>
    private static NumaVirtualMachine RandomVm(Random r, int round)
    {
        var badness = r.Next(4) == 0 ? 0.0 : r.NextDouble() * 0.3; // a quarter of the specs are all-good values
        T Pick<T>(T[] good, T[] bad) => r.NextDouble() < badness ? bad[r.Next(bad.Length)] : good[r.Next(good.Length)];
        var spec = new NumaVirtualMachineSpec
        {
            Running = Pick<bool?>([null, true, false], [null]),
            Cpu = new CpuSpec { Cores = Pick([1, 2, 4, 8, 16, 24], [0, -5, 1024, 1025, int.MaxValue, int.MinValue]), Dedicated = Pick<bool?>([null, true, false], [true]) },
            Memory = new MemorySpec
            {
                Size = Pick(["1Gi", "2Gi", "4Gi", "512Mi", "64Mi", "8Gi", "16Gi"], ["1001Mi", "0", "-1Gi", "9223372036854775807Ei", "99999999999999999999", "1.5Gi", "", HostileText(r, 0, 30), "3Gi", "1000"]),
                Hugepages = Pick<HugepagesSpec?>([null, new HugepagesSpec { PageSize = "2Mi" }, new HugepagesSpec { PageSize = "1Gi" }], [new HugepagesSpec { PageSize = "3Mi" }, new HugepagesSpec { PageSize = "4Ki" }, new HugepagesSpec { PageSize = HostileText(r, 0, 10) }]),
            },
            Numa = r.Next(3) == 0 ? null : new NumaSpec
            {
                Nodes = Pick([null, "0", "1", "0-1", "0-3", "0,2", "1-3"], ["1-0", "999", "a-b", "0,0", "", HostileText(r, 0, 20), "0-255", "0-2147483647", "7"]),
                GuestNodes = Pick<int?>([null, 1, 2], [0, -1, 4, 65, int.MaxValue, int.MinValue]),
                Policy = Pick([null, "Strict", "Preferred"], ["strict", HostileText(r, 0, 10)]),
            },
            NodeSelector = Pick<IDictionary<string, string>?>(
                [null, new Dictionary<string, string>(), new Dictionary<string, string> { ["zone"] = "a" }],
                [new Dictionary<string, string> { ["zone"] = HostileText(r, 0, 70) }, new Dictionary<string, string> { [HostileText(r, 1, 70)] = "a" }, new Dictionary<string, string> { ["zone"] = "b" }]),
            Boot = r.Next(3) == 0 ? null : new BootSpec
            {
                Kernel = Pick([null, "vmlinuz", "boot/vmlinuz-6.1", "_k+1.img"], ["../../etc/shadow", "/etc/shadow", "-drive", HostileText(r, 0, 40), "a,b", new string('k', 256), "a/../b"]),
                Initrd = Pick([null, "initrd.img"], [HostileText(r, 0, 40), ".hidden"]),
                Cmdline = Pick([null, "console=ttyS0", "-device evil", "a,b=c -x", "-append x,,y", HostileText(r, 0, 200).Replace("\n", " ", StringComparison.Ordinal).Replace("\t", " ", StringComparison.Ordinal).Replace("\0", " ", StringComparison.Ordinal)], [HostileText(r, 0, 200), new string('c', 4097)]),
                Disk = r.Next(3) == 0 ? null : new DiskSpec
                {
                    Image = Pick(["debian.qcow2", "disks/d-1.raw"], ["d,file=/etc/shadow", string.Empty, "-x", HostileText(r, 0, 40)]),
                    Format = Pick([null, "qcow2", "raw"], ["raw,file=/etc/shadow", HostileText(r, 0, 10)]),
                },
            },
        };
        if (spec.Boot is { Kernel: null } boot && r.NextDouble() >= badness)
        {
            boot.Initrd = null;
            boot.Cmdline = null;
        }

        var name = Pick(["vm-" + round, "a.b-c" + round, "x" + round], [HostileText(r, 1, 300), "Upper" + round, new string('n', 254)]);
        return new NumaVirtualMachine { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" }, Spec = spec };
    }

    private static string HostileText(Random r, int min, int max)
    {
        var length = r.Next(min, max + 1);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = r.Next(4) == 0 ? (char)r.Next('a', 'z' + 1) : Hostile[r.Next(Hostile.Length)];
        }

        return new string(chars);
    }

    /// <summary>Replaces random values of the object with values of other types, deep nests and huge numbers.</summary>
    private static void Mutate(Random r, JsonObject node, int depth)
    {
        foreach (var key in node.Select(p => p.Key).ToList())
        {
            if (r.Next(6) != 0)
            {
                if (node[key] is JsonObject child && depth < 6)
                {
                    Mutate(r, child, depth + 1);
                }

                continue;
            }

            node[key] = r.Next(8) switch
            {
                0 => null,
                1 => JsonValue.Create(r.Next(int.MinValue, int.MaxValue)),
                2 => JsonValue.Create(1e300),
                3 => JsonValue.Create(HostileText(r, 0, 50)),
                4 => new JsonArray(JsonValue.Create(1), JsonValue.Create("x"), new JsonObject()),
                5 => new JsonObject { [HostileText(r, 1, 10)] = HostileText(r, 0, 10) },
                6 => JsonValue.Create(true),
                _ => JsonValue.Create(-0.5),
            };
        }

        if (r.Next(10) == 0)
        {
            node[HostileText(r, 1, 12)] = JsonValue.Create(1);
        }
    }
}
