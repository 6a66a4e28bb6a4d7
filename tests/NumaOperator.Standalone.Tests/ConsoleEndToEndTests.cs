using NumaOperator.Tests.Shared;
using Xunit.Abstractions;

namespace NumaOperator.Standalone.Tests;

/// <summary>
/// `numa-operator console` and `logs` against `numa-operator standalone` running the real test Linux guest under QEMU
/// (TCG) bound to host NUMA node 0 with 2 MiB hugepages: the CLI finds the agent from the VM's status.console and is
/// authorized by the API server with the standalone kubeconfig's token.
/// </summary>
[Collection(StandaloneSerial.Name)]
public sealed class ConsoleEndToEndTests(ITestOutputHelper output)
{
    private const string Vm = "console-e2e";
    private const long Pages = 96; // 192 MiB of 2 MiB pages
    private static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(60);

    private static bool CanRun => HostCapabilities.IsRoot && HostCapabilities.HasQemu && Kubectl.Available
        && Directory.Exists("/sys/devices/system/node/node0/hugepages/hugepages-2048kB");

    [SkippableFact]
    public async Task Console_runs_a_command_in_the_guest_detaches_with_ctrl_right_bracket_and_attaches_again_while_logs_show_the_boot()
    {
        Skip.IfNot(CanRun, "needs root, qemu-system-x86_64, /usr/bin/kubectl and 2 MiB hugepages on host node 0");
        await using var run = new StandaloneRun(Vm);
        var images = Path.Combine(run.Directory, "images");
        var boot = TestGuest.CopyInto(images);
        await File.WriteAllTextAsync(run.Manifest, $"""
            apiVersion: numaoperator.io/v1alpha1
            kind: NumaVirtualMachine
            metadata:
              name: {Vm}
              namespace: default
            spec:
              accelerator: Any
              cpu:
                cores: 1
              memory:
                size: 192Mi
                hugepages:
                  pageSize: 2Mi
              numa:
                nodes: "0"
              boot:
                kernel: {boot.Kernel}
                initrd: {boot.Initrd}
                cmdline: "{TestGuest.Cmdline()}"
            """);
        var kubectl = new Kubectl(run.Kubeconfig);
        using var standalone = new BackgroundCli(
            "standalone", "--data-dir", run.DataDir, "--kubeconfig-out", run.Kubeconfig, "--apply", run.Manifest, "--image-root", images,
            "--reserve-hugepages", "2Mi:" + Pages, "--sample-interval", "1s", "--stop-grace", "2s");
        try
        {
            await standalone.WaitForOutputAsync($"numavirtualmachine/default/{Vm} created", TimeSpan.FromMinutes(2));
            var vm = await kubectl.WaitVmAsync(Vm, v => Kubectl.Condition(v, "Ready") == "True", BootTimeout, standalone);
            Assert.Equal("True", Kubectl.Condition(vm, "NumaAligned"));
            Assert.Equal("1.000", (string?)vm!["status"]!["numastat"]!["localRatio"]);
            Assert.StartsWith("https://127.0.0.1:", (string?)vm["status"]!["console"]!["url"], StringComparison.Ordinal);
            var uid = (string)vm["metadata"]!["uid"]!;
            var qemuPid = Assert.Single(HostProcesses.QemuWithUuid(uid));

            // The guest's boot, read through the agent: its shell is up once READY is there.
            var log = await Eventually.UntilAsync(
                () => CliProcess.RunAsync(Quick, "logs", $"default/{Vm}", "--kubeconfig", run.Kubeconfig),
                r => r.ExitCode != 0 || r.Stdout.Contains("NUMAGUEST-READY", StringComparison.Ordinal),
                BootTimeout,
                "NUMAGUEST-READY in `numa-operator logs`",
                describe: r => $"exit {r.ExitCode}: {r.Stderr}{(r.Stdout.Length > 800 ? r.Stdout[^800..] : r.Stdout)}",
                poll: TimeSpan.FromSeconds(3));
            Assert.True(log.ExitCode == 0, log.Stderr);
            Assert.Contains("NUMAGUEST-BOOTED", log.Stdout, StringComparison.Ordinal);

            await AttachRunAndDetachAsync(run, "echo console-$((6*7))", "console-42");
            Assert.True(HostProcesses.IsAlive(qemuPid), "detaching must leave the VM running");
            await AttachRunAndDetachAsync(run, "echo second-$((3+4))", "second-7");
            Assert.Equal([qemuPid], HostProcesses.QemuWithUuid(uid));

            // What was typed is in the serial log too; --tail bounds what is printed.
            var tail = await CliProcess.RunAsync(Quick, "logs", $"default/{Vm}", "--kubeconfig", run.Kubeconfig, "--tail", "3");
            Assert.True(tail.ExitCode == 0, tail.Stderr);
            Assert.InRange(tail.Stdout.TrimEnd('\n').Split('\n').Length, 1, 3);
            Assert.Contains("second-7", tail.Stdout, StringComparison.Ordinal);

            // Bad input and a VM that is not there: exit 2 and exit 1, each with a message.
            var badArgument = await CliProcess.RunAsync(Quick, "console", "no-slash", "--kubeconfig", run.Kubeconfig);
            Assert.Equal(2, badArgument.ExitCode);
            Assert.Contains("NAMESPACE/NAME", badArgument.Stderr, StringComparison.Ordinal);
            var missing = await CliProcess.RunAsync(Quick, "console", "default/no-such-vm", "--kubeconfig", run.Kubeconfig);
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("NumaVirtualMachine \"no-such-vm\" in namespace \"default\" not found", missing.Stderr, StringComparison.Ordinal);

            vm = await kubectl.GetVmAsync(Vm);
            Assert.Equal("True", Kubectl.Condition(vm, "NumaAligned"));

            // A stopped VM has no console: the agent says so (409) and the CLI exits 1.
            var (patched, _, patchError) = await kubectl.RunAsync("patch", "nvm", Vm, "--type", "merge", "-p", "{\"spec\":{\"running\":false}}");
            Assert.True(patched == 0, patchError);
            await kubectl.WaitVmAsync(Vm, v => (string?)v?["status"]?["phase"] == "Stopped", Quick, standalone);
            var stopped = await CliProcess.RunAsync(Quick, "console", $"default/{Vm}", "--kubeconfig", run.Kubeconfig);
            Assert.Equal(1, stopped.ExitCode);
            Assert.Contains($"NumaVirtualMachine default/{Vm} is not running on node", stopped.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            output.WriteLine(standalone.Output);
            await standalone.InterruptAsync(TimeSpan.FromSeconds(90));
        }
    }

    private async Task AttachRunAndDetachAsync(StandaloneRun run, string command, string expected)
    {
        using var console = new ConsoleClientProcess("console", $"default/{Vm}", "--kubeconfig", run.Kubeconfig);
        await console.SendAsync(command + "\n");
        await console.WaitForOutputAsync(expected, Quick);
        await console.SendAsync([0x1d]);
        var (exitCode, stderr) = await console.WaitForExitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine(stderr);
        Assert.True(exitCode == 0, $"console exited {exitCode}: {stderr}");
        Assert.Contains("detached from default/" + Vm, stderr, StringComparison.Ordinal);
    }
}
