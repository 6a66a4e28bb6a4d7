using System.Text.Json.Nodes;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests.RealQemu;

/// <summary>`numa-operator launch` end to end: the real executable, real QEMU, hugepages reserved by the test.</summary>
[Collection(RealQemuTests.Name)]
public sealed class LaunchCommandTests(HugepageHost host) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("numaop-launch-").FullName;

    [SkippableFact]
    public async Task Measured_launch_is_bound_aligned_and_stops()
    {
        Skip.IfNot(host.Available, HugepageHost.SkipReason);
        using var reservation = host.Reserve(32);
        var (exit, stdout, stderr) = await LaunchAsync(VmFile(hugepages: true), "--host-nodes", "0", "--measure", "--stop-after", "-o", "json");
        Assert.True(exit == 0, $"exit {exit}: {stderr}{stdout}");
        var json = JsonNode.Parse(stdout)!.AsObject();
        Assert.True(json["aligned"]!.GetValue<bool>(), json["verdict"]!.GetValue<string>());
        Assert.Equal(["bind:0"], json["guestRamPolicies"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal("1.000", json["localRatio"]!.GetValue<string>());
        Assert.Equal(64L << 20, json["guestRamBytesByNode"]!.AsArray().Single(n => n!["node"]!.GetValue<int>() == 0)!["bytes"]!.GetValue<long>());
        var before = json["freeHugepagesBefore"]!.AsArray().Single(n => n!["node"]!.GetValue<int>() == 0)!["free"]!.GetValue<long>();
        var after = json["freeHugepagesAfter"]!.AsArray().Single(n => n!["node"]!.GetValue<int>() == 0)!["free"]!.GetValue<long>();
        Assert.Equal(32, before - after);
        Assert.True(json["stopped"]!.GetValue<bool>());
        Assert.Contains("host-nodes=0,policy=bind", json["argv"]!.AsArray().Select(a => a!.GetValue<string>()).Single(a => a.StartsWith("memory-backend-file", StringComparison.Ordinal)), StringComparison.Ordinal);
        var pid = json["pid"]!.GetValue<int>();
        Assert.False(Qemu.Host.ProcFs.IsAlive(pid));
        var argv = json["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.Contains(argv, a => a == Qemu.CommandLine.QemuUser.Default.ToString() || a == "user=" + Qemu.CommandLine.QemuUser.Default); // dropped by default
    }

    [SkippableFact]
    public async Task Qemu_user_root_is_an_explicit_opt_out_with_a_warning()
    {
        Skip.IfNot(host.Available, HugepageHost.SkipReason);
        var (exit, stdout, stderr) = await LaunchAsync(VmFile(hugepages: false), "--host-nodes", "0", "--stop-after", "--qemu-user", "root", "-o", "json");
        Assert.True(exit == 0, $"exit {exit}: {stderr}{stdout}");
        Assert.Contains("warning: --qemu-user root: QEMU keeps running as root", stderr, StringComparison.Ordinal);
        var argv = JsonNode.Parse(stdout)!["argv"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        Assert.DoesNotContain("-runas", argv);
        Assert.DoesNotContain("-run-with", argv);
    }

    [SkippableTheory]
    [InlineData("qemu")]
    [InlineData("0:0")]
    [InlineData("107")]
    public async Task Bad_qemu_user_exits_two_naming_the_flag_and_starts_nothing(string user)
    {
        Skip.IfNot(HostCapabilities.IsLinux, "Linux only");
        var (exit, _, stderr) = await LaunchAsync(VmFile(hugepages: false), "--host-nodes", "0", "--qemu-user", user);
        Assert.Equal(2, exit);
        Assert.Contains($"--qemu-user: \"{user}\" is not UID:GID", stderr, StringComparison.Ordinal);
        Assert.Contains("or root", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "state")));
    }

    [SkippableFact]
    public async Task Omitted_binding_is_caught_and_exits_one()
    {
        Skip.IfNot(host.Available, HugepageHost.SkipReason);
        var (exit, stdout, stderr) = await LaunchAsync(VmFile(hugepages: false), "--host-nodes", "0", "--measure", "--stop-after", "--omit-binding-for-test");
        Assert.True(exit == 1, $"exit {exit}: {stderr}{stdout}");
        Assert.Contains("not aligned: guest node 0: policy default, not bind:0", stdout, StringComparison.Ordinal);
        Assert.Contains("HOST NODE", stdout, StringComparison.Ordinal);
        Assert.Contains("guest node 0 (placed on host node 0, backend mem0, policy default): 64.0 MiB on host node 0", stdout, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("--swap-bindings-for-test", "--swap-bindings-for-test needs spec.numa.guestNodes 2 or more")]
    [InlineData("--wide-binding-for-test", "--wide-binding-for-test needs spec.numa.guestNodes 2 or more")]
    public async Task Test_bindings_of_a_one_guest_node_vm_exit_two_and_start_nothing(string flag, string message)
    {
        Skip.IfNot(host.Available, HugepageHost.SkipReason);
        var (exit, _, stderr) = await LaunchAsync(VmFile(hugepages: false), "--host-nodes", "0", flag);
        Assert.Equal(2, exit);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "state")));

        var (both, _, bothErr) = await LaunchAsync(VmFile(hugepages: false), "--host-nodes", "0", flag, "--omit-binding-for-test");
        Assert.Equal(2, both);
        Assert.Contains("exclude each other", bothErr, StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("7", "host NUMA node 7 does not exist here")]
    [InlineData("0,1", "--host-nodes lists 2 host node(s) (0,1) but spec.numa.guestNodes is 1")]
    [InlineData("x", "--host-nodes \"x\": expected host NUMA node ids")]
    public async Task Bad_host_nodes_exit_two_and_start_nothing(string hostNodes, string message)
    {
        Skip.IfNot(HostCapabilities.IsLinux, "Linux only");
        var (exit, _, stderr) = await LaunchAsync(VmFile(hugepages: false), "--host-nodes", hostNodes);
        Assert.Equal(2, exit);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "state")));
    }

    [Fact]
    public async Task Invalid_vm_exits_two_naming_the_field()
    {
        var file = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(file, "apiVersion: numaoperator.io/v1alpha1\nkind: NumaVirtualMachine\nmetadata: {name: Bad_Name}\nspec:\n  cpu: {cores: 0}\n  memory: {size: 64Mi}\n");
        var (exit, _, stderr) = await LaunchAsync(file, "--host-nodes", "0");
        Assert.Equal(2, exit);
        Assert.Contains("metadata.name", stderr, StringComparison.Ordinal);
        Assert.Contains("spec.cpu.cores", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kind: NumaVirtualMachine\nspec: [oops\n", "not valid YAML")]
    [InlineData("apiVersion: numaoperator.io/v1alpha1\nkind: NumaVirtualMachine\nmetadata: {name: vm}\nspec: {cpu: {cores: 1}, memory: {size: 64Mi}, colour: red}\n", "unknown field \"colour\"")]
    [InlineData("apiVersion: numaoperator.io/v1alpha1\nkind: NumaNodeTopology\nmetadata: {name: n}\n", "expected one object of kind NumaVirtualMachine, got 1 object(s), 0 of that kind")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", "field kind: Unsupported value: \"Pod\"")]
    public async Task A_vm_file_that_is_not_one_vm_exits_two_naming_what_it_holds(string yaml, string message)
    {
        var file = Path.Combine(_dir, "not-a-vm.yaml");
        await File.WriteAllTextAsync(file, yaml);
        var (exit, _, stderr) = await LaunchAsync(file, "--host-nodes", "0");
        Assert.Equal(2, exit);
        Assert.Contains($"--vm {file}", stderr, StringComparison.Ordinal);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "state")));
    }

    public void Dispose()
    {
        var pidFile = Path.Combine(_dir, "state", "qemu.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
        {
            Qemu.Supervision.VmSupervisor.KillAsync(pid).GetAwaiter().GetResult();
        }

        Directory.Delete(_dir, recursive: true);
    }

    private string VmFile(bool hugepages)
    {
        var file = Path.Combine(_dir, "vm.yaml");
        File.WriteAllText(file, $$"""
            apiVersion: numaoperator.io/v1alpha1
            kind: NumaVirtualMachine
            metadata: {name: launch-test, namespace: default}
            spec:
              accelerator: Any
              cpu: {cores: 1, dedicated: true}
              memory: {size: 64Mi{{(hugepages ? ", hugepages: {pageSize: 2Mi}" : string.Empty)}}}
              numa: {guestNodes: 1, policy: Strict}
            """);
        return file;
    }

    private Task<CliResult> LaunchAsync(string vmFile, params string[] args) =>
        CliProcess.RunAsync(TimeSpan.FromSeconds(120), ["launch", "--vm", vmFile, "--state-dir", Path.Combine(_dir, "state"), .. args]);
}
