using NumaOperator.Qemu.CommandLine;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests;

/// <summary>
/// The argv builder against checked-in snapshots (one argument per line). A change to the command line shows up as a
/// diff of Snapshots/*.argv; the test writes the new vector beside it as *.received for review.
/// </summary>
public sealed class ArgvSnapshotTests
{
    public static TheoryData<string> Cases => ["seed-vm-tcg-qemu72", "seed-vm-omit-binding", "seed-vm-keep-root", "two-node-ram-kvm-qemu90", "two-node-ram-kvm-qemu91"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Argv_matches_snapshot(string name)
    {
        var argv = name switch
        {
            "seed-vm-tcg-qemu72" => QemuArgvBuilder.Build("/usr/bin/qemu-system-x86_64", TestSpecs.SeedVm(), TestSpecs.Qemu72),
            "seed-vm-omit-binding" => QemuArgvBuilder.Build("/usr/bin/qemu-system-x86_64", TestSpecs.SeedVm(omitBinding: true), TestSpecs.Qemu72),
            "seed-vm-keep-root" => QemuArgvBuilder.Build("/usr/bin/qemu-system-x86_64", TestSpecs.SeedVm(keepRoot: true), TestSpecs.Qemu72),
            "two-node-ram-kvm-qemu90" => QemuArgvBuilder.Build("/usr/bin/qemu-system-x86_64", TestSpecs.TwoNodeRam(), TestSpecs.Qemu90),
            "two-node-ram-kvm-qemu91" => QemuArgvBuilder.Build("/usr/bin/qemu-system-x86_64", TestSpecs.TwoNodeRam(), TestSpecs.Qemu91),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        SnapshotFile.AssertMatches(RepoPaths.Combine("tests", "NumaOperator.Qemu.Tests", "Snapshots", name + ".argv"), string.Join('\n', argv) + "\n");
    }

    [Fact]
    public void Seed_vm_binds_its_one_backend_to_node_one_and_starts_paused()
    {
        var argv = QemuArgvBuilder.Build("/usr/bin/qemu-system-x86_64", TestSpecs.SeedVm(), TestSpecs.Qemu72);
        var backend = Assert.Single(ValuesOf(argv, "-object"), v => v.StartsWith("memory-backend-file", StringComparison.Ordinal));
        var props = QemuOptionValue.Split(backend);
        Assert.Contains("host-nodes=1", props);
        Assert.Contains("policy=bind", props);
        Assert.Contains("mem-path=/dev/hugepages", props);
        Assert.Contains("size=32212254720", props);
        Assert.Contains("prealloc=on", props);
        Assert.Equal("30720M", ValuesOf(argv, "-m").Single());
        Assert.Equal("-S", argv[^1]);
        Assert.Contains("-daemonize", argv);
        Assert.DoesNotContain(argv, a => a.StartsWith("thread-context", StringComparison.Ordinal)); // 7.2 hangs with -daemonize
    }

    [Fact]
    public void Qemu_before_nine_one_drops_privileges_with_runas_and_nine_one_with_run_with()
    {
        var user = new QemuUser(107, 108);
        foreach (var (version, flag, value) in new[] { (new Version(7, 2, 22), "-runas", "107:108"), (new Version(9, 0, 2), "-runas", "107:108"), (new Version(9, 1, 0), "-run-with", "user=107:108"), (new Version(10, 0, 0), "-run-with", "user=107:108") })
        {
            var argv = QemuArgvBuilder.Build("/q", TestSpecs.SeedVm() with { RunAs = user }, TestSpecs.Qemu72 with { QemuVersion = version });
            Assert.Equal([value], ValuesOf(argv, flag));
            Assert.DoesNotContain(flag == "-runas" ? "-run-with" : "-runas", argv);
            // The drop comes after everything QEMU opens and before -daemonize -S, which stay last.
            Assert.Equal(["-daemonize", "-S"], argv.TakeLast(2));
        }
    }

    [Fact]
    public void No_user_keeps_qemu_root_and_the_sandbox_never_denies_privilege_changes()
    {
        var root = QemuArgvBuilder.Build("/q", TestSpecs.SeedVm(keepRoot: true), TestSpecs.Qemu72);
        Assert.DoesNotContain("-runas", root);
        Assert.DoesNotContain("-run-with", root);
        foreach (var argv in new[] { root, QemuArgvBuilder.Build("/q", TestSpecs.SeedVm(), TestSpecs.Qemu72) })
        {
            // elevateprivileges=deny|children kills QEMU 7.2 at -daemonize's setsid and at -runas's setgid (see RealQemu/PrivilegeDropTests).
            var sandbox = QemuOptionValue.Split(ValuesOf(argv, "-sandbox").Single());
            Assert.DoesNotContain(sandbox, p => p.StartsWith("elevateprivileges", StringComparison.Ordinal) || p.StartsWith("spawn", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void One_gi_pages_use_the_one_gi_mount()
    {
        var spec = TestSpecs.SeedVm();
        spec = spec with { Placement = spec.Placement with { PageSize = Numa.Quantities.PageSize.Huge1Gi } };
        var argv = QemuArgvBuilder.Build("/q", spec, TestSpecs.Qemu72);
        Assert.Contains(ValuesOf(argv, "-object"), v => v.Contains("mem-path=/dev/hugepages1G,", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_mount_for_the_page_size_is_refused()
    {
        var facts = TestSpecs.Qemu72 with { HugetlbfsMounts = [] };
        Assert.Throws<ArgumentException>(() => QemuArgvBuilder.Build("/q", TestSpecs.SeedVm(), facts));
    }

    [Fact]
    public void Commas_in_paths_are_doubled_so_they_cannot_start_another_property()
    {
        var argv = QemuArgvBuilder.Build("/q", TestSpecs.TwoNodeRam(), TestSpecs.Qemu90);
        var drive = ValuesOf(argv, "-drive").Single();
        Assert.Equal(["file=/var/lib/numa-operator/images/disk,1.qcow2", "format=qcow2", "if=virtio"], QemuOptionValue.Split(drive));
    }

    [Fact]
    public void Control_characters_are_refused()
    {
        Assert.Throws<ArgumentException>(() => QemuArgvBuilder.Build("/q", TestSpecs.TwoNodeRam(name: "a\nb"), TestSpecs.Qemu90));
    }

    internal static IEnumerable<string> ValuesOf(IReadOnlyList<string> argv, string flag)
    {
        for (var i = 1; i + 1 < argv.Count; i++)
        {
            if (argv[i] == flag)
            {
                yield return argv[i + 1];
            }
        }
    }
}
