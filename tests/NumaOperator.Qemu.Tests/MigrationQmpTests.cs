using System.Text.Json.Nodes;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Qemu.Migration;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests;

/// <summary>
/// The live-migration pieces that are pure: the target's argv, the QMP replies the agent reads (captured from QEMU
/// 7.2.22, Samples/qmp/*.json: a 64 MiB TCG guest migrated over TCP, and once with its target killed), and the state
/// dir layout of the VM and of its incoming QEMU.
/// </summary>
public sealed class MigrationQmpTests
{
    private static JsonNode? Reply(string sample) =>
        JsonNode.Parse(File.ReadAllText(RepoPaths.Combine("tests", "NumaOperator.Qemu.Tests", "Samples", "qmp", sample + ".json")))!["return"];

    [Fact]
    public void An_incoming_launch_waits_for_the_stream_with_incoming_defer_and_stays_paused()
    {
        var argv = QemuArgvBuilder.Build("/usr/bin/qemu-system-x86_64", TestSpecs.SeedVm() with { Incoming = true }, TestSpecs.Qemu72);
        var at = argv.ToList().IndexOf("-incoming");
        Assert.True(at > 0, string.Join(' ', argv));
        Assert.Equal("defer", argv[at + 1]);
        Assert.Equal(["-daemonize", "-S"], argv.TakeLast(2));
    }

    [Fact]
    public void An_ordinary_launch_has_no_incoming()
    {
        Assert.DoesNotContain("-incoming", QemuArgvBuilder.Build("/usr/bin/qemu-system-x86_64", TestSpecs.SeedVm(), TestSpecs.Qemu72));
    }

    [Fact]
    public void A_listening_incoming_qemu_reports_the_port_the_kernel_gave_it()
    {
        var info = MigrationInfo.Parse(Reply("query-migrate-incoming-listening"));
        Assert.Equal(MigrationStatuses.None, info.Status);
        Assert.Equal([("0.0.0.0", 43727)], info.ListeningOn);
        Assert.False(info.IsTerminal);
    }

    [Fact]
    public void A_source_that_never_migrated_answers_an_empty_object_read_as_none()
    {
        var info = MigrationInfo.Parse(Reply("query-migrate-none"));
        Assert.Equal(MigrationStatuses.None, info.Status);
        Assert.Null(info.DataTotal);
    }

    [Fact]
    public void An_active_stream_carries_ram_counters_passes_and_the_expected_downtime()
    {
        var info = MigrationInfo.Parse(Reply("query-migrate-active"));
        Assert.Equal(MigrationStatuses.Active, info.Status);
        Assert.Equal(67641344, info.DataTotal);
        Assert.Equal(125223, info.DataProcessed);
        Assert.Equal(66600960, info.DataRemaining);
        Assert.Equal(1, info.DirtySyncCount);
        Assert.Equal(1002, info.TotalTimeMilliseconds);
        Assert.Equal(300, info.ExpectedDowntimeMilliseconds);
        Assert.Null(info.DowntimeMilliseconds);
    }

    [Fact]
    public void A_completed_stream_reports_the_measured_downtime()
    {
        var info = MigrationInfo.Parse(Reply("query-migrate-completed"));
        Assert.True(info.IsTerminal);
        Assert.Equal(MigrationStatuses.Completed, info.Status);
        Assert.Equal(2, info.DowntimeMilliseconds);
        Assert.Equal(0, info.DataRemaining);
        Assert.Equal(4, info.DirtySyncCount);
        Assert.Equal(MigrationStatuses.Completed, MigrationInfo.Parse(Reply("query-migrate-incoming-completed")).Status);
    }

    [Fact]
    public void A_stream_whose_target_died_fails_with_qemus_error_text()
    {
        var info = MigrationInfo.Parse(Reply("query-migrate-failed"));
        Assert.Equal(MigrationStatuses.Failed, info.Status);
        Assert.Equal("Unable to write to socket: Broken pipe", info.ErrorDescription);
    }

    [Fact]
    public void A_block_migration_adds_the_disk_counters_to_the_data_totals()
    {
        var info = MigrationInfo.Parse(JsonNode.Parse("""{"status":"active","ram":{"total":100,"transferred":10,"remaining":90},"disk":{"total":50,"transferred":5,"remaining":45}}"""));
        Assert.Equal(150, info.DataTotal);
        Assert.Equal(15, info.DataProcessed);
        Assert.Equal(135, info.DataRemaining);
    }

    [Fact]
    public void A_reply_that_is_not_an_object_or_has_a_non_numeric_counter_is_a_format_error()
    {
        Assert.Throws<FormatException>(() => MigrationInfo.Parse(JsonNode.Parse("[]")));
        Assert.Throws<FormatException>(() => MigrationInfo.Parse(JsonNode.Parse("""{"status":"active","ram":{"total":"many"}}""")));
        Assert.Throws<FormatException>(() => MigrationInfo.Parse(JsonNode.Parse("""{"socket-address":[{"type":"inet","host":"0.0.0.0","port":"http"}]}""")));
    }

    [Theory]
    [InlineData("query-status-running", VmRunState.Running)]
    [InlineData("query-status-paused", VmRunState.Paused)]
    [InlineData("query-status-inmigrate", VmRunState.InMigrate)]
    [InlineData("query-status-postmigrate", VmRunState.PostMigrate)]
    public void Query_status_reads_the_run_state(string sample, string state) => Assert.Equal(state, VmRunState.Parse(Reply(sample)));

    [Fact]
    public void Addresses_and_uris_bracket_ipv6_hosts()
    {
        Assert.Equal("tcp:10.0.0.7:4444", QmpMigration.TcpUri(QmpMigration.FormatAddress("10.0.0.7", 4444)));
        Assert.Equal("[fd00::7]:4444", QmpMigration.FormatAddress("fd00::7", 4444));
    }

    [Fact]
    public void The_incoming_qemu_of_a_vm_lives_beside_its_state_dir_and_is_renamed_onto_it_at_handover()
    {
        var uid = Guid.Parse("0f5e8a36-1c2b-4d3e-9f00-123456789abc");
        Assert.Equal("/var/lib/numa-operator/vms/" + uid, VmStatePaths.ForVm("/var/lib/numa-operator", uid).Directory);
        Assert.Equal("/var/lib/numa-operator/incoming/" + uid, VmStatePaths.ForIncoming("/var/lib/numa-operator", uid).Directory);
        Assert.Equal("qmp.sock", Path.GetFileName(VmStatePaths.ForIncoming("/s", uid).QmpSocket));
    }

    [Fact]
    public void Only_uid_named_directories_count_as_vms_or_incoming_qemus()
    {
        var root = Directory.CreateTempSubdirectory("numaop-paths-").FullName;
        try
        {
            var uid = Guid.NewGuid();
            Directory.CreateDirectory(VmStatePaths.ForIncoming(root, uid).Directory);
            Directory.CreateDirectory(Path.Combine(VmStatePaths.IncomingRoot(root), "not-a-uid"));
            Assert.Equal([uid], VmStatePaths.UidsUnder(VmStatePaths.IncomingRoot(root)));
            Assert.Empty(VmStatePaths.UidsUnder(VmStatePaths.VmsRoot(root)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
