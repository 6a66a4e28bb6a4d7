using System.Text.Json.Nodes;
using NumaOperator.Tests.Shared;
using Xunit.Abstractions;

namespace NumaOperator.BadInput.Tests;

/// <summary>
/// A valid VM whose kernel command line is full of shell syntax, run by the real agent with real QEMU: the text reaches
/// QEMU as one argv element after -append (no shell ever parses it), nothing it "asks" for happens, and no extra option
/// appears. The cmdline is the one free-text field that reaches QEMU, so this is the live half of SpecFuzzTests.
/// </summary>
public sealed class ShellMetacharacterTests(ITestOutputHelper output) : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("numaop-badinput-shell-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [SkippableFact]
    public async Task Shell_syntax_in_the_cmdline_stays_one_qemu_argument_and_runs_nothing()
    {
        Skip.IfNot(HostCapabilities.IsRoot, "the agent needs root (sched_setaffinity on QEMU threads, state under its directory)");
        Skip.IfNot(HostCapabilities.HasQemu, "qemu-system-x86_64 not found");
        var kernel = Directory.Exists("/boot") ? Directory.GetFiles("/boot", "vmlinuz-*").FirstOrDefault() : null;
        Skip.If(kernel is null, "no /boot/vmlinuz-* to boot (QEMU loads -kernel before it pauses)");
        var images = Directory.CreateDirectory(Path.Combine(root, "images")).FullName;
        File.Copy(kernel!, Path.Combine(images, "vmlinuz"));
        var markers = Enumerable.Range(1, 4).Select(i => Path.Combine(root, $"pwned-{i}")).ToArray();
        var cmdline = $"console=ttyS0 $(touch {markers[0]}) `touch {markers[1]}`; touch {markers[2]} && echo x > {markers[3]} | sh -c id -device pci-testdev,,id=x -append evil";
        await using var env = await AgentEnvironment.StartAsync(images, Path.Combine(root, "state"));
        Skip.If(env.Unavailable is not null, env.Unavailable);

        const string name = "shell-metacharacters";
        await env.CreateAsync(new JsonObject
        {
            ["apiVersion"] = "numaoperator.io/v1alpha1",
            ["kind"] = "NumaVirtualMachine",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
            ["spec"] = new JsonObject
            {
                ["cpu"] = new JsonObject { ["cores"] = 1 },
                ["memory"] = new JsonObject { ["size"] = "64Mi" },
                ["boot"] = new JsonObject { ["kernel"] = "vmlinuz", ["cmdline"] = cmdline },
            },
        });
        var uid = (await env.GetAsync(name)).Metadata.Uid;
        try
        {
            // -daemonize forks twice, so for a moment up to three processes carry the uid: wait until one is left for a second.
            IReadOnlyList<int> pids = [];
            var stableSince = DateTime.MaxValue;
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (DateTime.UtcNow - stableSince < TimeSpan.FromSeconds(1))
            {
                var now = ProcScan.QemuCarrying(uid);
                stableSince = now.Count == 1 && pids.SequenceEqual(now) ? (stableSince == DateTime.MaxValue ? DateTime.UtcNow : stableSince) : DateTime.MaxValue;
                pids = now;
                if (DateTime.UtcNow > deadline)
                {
                    var status = (await env.GetAsync(name)).Status;
                    Assert.Fail($"no single stable QEMU carrying {uid} within 90 s (now: [{string.Join(", ", pids)}]); status: {(status is null ? "none" : k8s.KubernetesJson.Serialize(status))}");
                }

                await Task.Delay(200);
            }

            var pid = Assert.Single(pids);
            var argv = File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Split('\0');
            var append = Array.IndexOf(argv, "-append");
            Assert.True(append > 0, "no -append in " + string.Join(' ', argv));
            Assert.Equal(cmdline, argv[append + 1]);
            Assert.Single(argv, a => a == "-append");
            Assert.DoesNotContain("-device", argv);
            Assert.All(markers, m => Assert.False(File.Exists(m), $"{m} exists: shell syntax in the cmdline was executed"));
            var uidLine = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var seccompLine = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Seccomp:", StringComparison.Ordinal));
            output.WriteLine($"QEMU pid {pid} {uidLine}; {seccompLine}; argv: {string.Join(' ', argv)}");
            Assert.Equal("2", seccompLine["Seccomp:".Length..].Trim()); // QEMU runs under its seccomp filter (-sandbox on): mode 2, filter
        }
        finally
        {
            try
            {
                await env.DeleteAndWaitGoneAsync(name, seconds: 90);
                Assert.Empty(ProcScan.QemuCarrying(uid)); // deleting the VM stopped its QEMU
            }
            finally
            {
                // The agent leaves QEMU running when it stops (VMs outlive agents); never leave one behind here.
                foreach (var left in ProcScan.QemuCarrying(uid))
                {
                    using var process = System.Diagnostics.Process.GetProcessById(left);
                    process.Kill();
                }
            }
        }
    }
}
