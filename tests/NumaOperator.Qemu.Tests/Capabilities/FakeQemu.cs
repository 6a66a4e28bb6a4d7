using System.Text;

namespace NumaOperator.Qemu.Tests.Capabilities;

/// <summary>How a fake QEMU behaves under KVM, modelled on what real hosts do.</summary>
public enum KvmBehaviour
{
    /// <summary>A healthy KVM host: every CPU model starts, kernels boot.</summary>
    Healthy,

    /// <summary>Nested KVM on an AMD EPYC guest: -cpu host and max abort on MSR 0x10a unless arch-capabilities=off; kernels boot.</summary>
    MsrArchCapabilities,

    /// <summary>Nested KVM where firmware runs but a Linux kernel hangs after "Probing EDD" under every CPU model.</summary>
    KernelHangs,

    /// <summary>MSR abort and kernel hang together (the host in the issue).</summary>
    MsrAndKernelHangs,

    /// <summary>QEMU cannot use KVM at all (e.g. "Could not access KVM kernel module").</summary>
    NoKvmModule,

    /// <summary>KVM is fine but the probe kernel boots nowhere (it panics under every accelerator).</summary>
    BrokenKernel,
}

/// <summary>
/// A stand-in qemu-system-x86_64 (a bash script, run without a shell by the probe like the real binary) that fails the
/// way real QEMU 7.2 fails on the hosts of <see cref="KvmBehaviour"/>: the same stderr lines, the same exit status
/// (abort: 134), a real QMP conversation on stdio (greeting, ids echoed), the serial marker of the boot probe. Every
/// invocation's argv is appended to <see cref="Log"/>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FakeQemu : IDisposable
{
    private readonly string dir;

    public FakeQemu(KvmBehaviour kvm)
    {
        dir = Directory.CreateTempSubdirectory("numaop-fakeqemu-").FullName;
        Path = System.IO.Path.Combine(dir, "qemu-system-x86_64");
        Log = System.IO.Path.Combine(dir, "argv.log");
        KvmDevice = System.IO.Path.Combine(dir, "kvm"); // an ordinary file that opens read-write: never a device node
        Kernel = System.IO.Path.Combine(dir, "vmlinuz-6.1.0-99-amd64");
        File.WriteAllText(KvmDevice, string.Empty);
        File.WriteAllText(Kernel, "not a kernel: the fake only reads its name");
        File.WriteAllText(Path, Script(kvm), new UTF8Encoding(false));
        File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path { get; }

    public string Log { get; }

    public string KvmDevice { get; }

    public string Kernel { get; }

    public string WorkDirectory => System.IO.Path.Combine(dir, "work");

    public IReadOnlyList<string> Invocations => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Script(KvmBehaviour kvm)
    {
        var msr = kvm is KvmBehaviour.MsrArchCapabilities or KvmBehaviour.MsrAndKernelHangs ? 1 : 0;
        var hang = kvm is KvmBehaviour.KernelHangs or KvmBehaviour.MsrAndKernelHangs ? 1 : 0;
        var noModule = kvm is KvmBehaviour.NoKvmModule ? 1 : 0;
        var brokenKernel = kvm is KvmBehaviour.BrokenKernel ? 1 : 0;
        return $$$"""
            #!/bin/bash
            echo "$*" >> '{{{Log}}}'
            args=" $* "
            if [[ $args == *" -version "* ]]; then
              echo "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u99)"
              exit 0
            fi
            kvm=0; [[ $args == *"accel=kvm"* ]] && kvm=1
            if [ $kvm = 1 ] && [ {{{noModule}}} = 1 ]; then
              echo "Could not access KVM kernel module: No such file or directory" >&2
              echo "qemu-system-x86_64: -machine q35,accel=kvm: failed to initialize kvm: No such file or directory" >&2
              exit 1
            fi
            cpu=""; prev=""
            for a in "$@"; do [ "$prev" = "-cpu" ] && cpu=$a; prev=$a; done
            if [ $kvm = 1 ] && [ {{{msr}}} = 1 ] && [[ $cpu == host* || $cpu == max* ]] && [[ $cpu != *"arch-capabilities=off"* ]]; then
              echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2
              echo "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3142: kvm_buf_set_msrs: Assertion \`ret == cpu->kvm_msr_buf->nmsrs' failed." >&2
              exit 134
            fi
            if [[ $args == *" -kernel "* ]]; then
              if [ {{{brokenKernel}}} = 1 ]; then
                echo "Kernel panic - not syncing: VFS: Unable to mount root fs"
                exit 0
              fi
              if [ $kvm = 1 ] && [ {{{hang}}} = 1 ]; then
                echo "Probing EDD (edd=off to disable)... ok"
                exec sleep 600
              fi
              printf '\r\nNUMAOP-BOOT-PROBE-OK\r\n'
              exit 0
            fi
            if [[ $args == *" -qmp stdio "* ]]; then
              echo '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}'
              while IFS= read -r line; do
                id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$line")
                case "$line" in
                  *'"qmp_capabilities"'*) echo "{\"return\": {}, \"id\": \"$id\"}" ;;
                  *'"query-kvm"'*) echo "{\"return\": {\"enabled\": $([ $kvm = 1 ] && echo true || echo false), \"present\": true}, \"id\": \"$id\"}" ;;
                  *'"query-cpu-definitions"'*)
                    if [ $kvm = 1 ]; then
                      echo "{\"return\": [{\"name\": \"host\", \"unavailable-features\": []}, {\"name\": \"max\", \"unavailable-features\": []}, {\"name\": \"EPYC\", \"unavailable-features\": []}, {\"name\": \"qemu64\", \"unavailable-features\": []}, {\"name\": \"Skylake-Server\", \"unavailable-features\": [\"avx512f\"]}], \"id\": \"$id\"}"
                    else
                      echo "{\"return\": [{\"name\": \"max\", \"unavailable-features\": []}, {\"name\": \"qemu64\", \"unavailable-features\": []}, {\"name\": \"EPYC\", \"unavailable-features\": [\"avx2\"]}], \"id\": \"$id\"}"
                    fi ;;
                  *'"quit"'*) echo "{\"return\": {}, \"id\": \"$id\"}"; exit 0 ;;
                  *) echo "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"unknown\"}, \"id\": \"$id\"}" ;;
                esac
              done
              exit 0
            fi
            echo "fake qemu: unexpected arguments: $*" >&2
            exit 1

            """;
    }
}
