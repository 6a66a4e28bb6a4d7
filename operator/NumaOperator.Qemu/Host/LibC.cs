using System.Runtime.InteropServices;

namespace NumaOperator.Qemu.Host;

/// <summary>The few libc calls .NET has no managed form for: thread affinity, file-system magic, advisory locks, signals.</summary>
internal static partial class LibC
{
    public const long HugetlbfsMagic = 0x958458f6;
    public const int LockExclusive = 2;
    public const int LockNonBlocking = 4;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int sched_setaffinity(int pid, nint cpusetsize, byte* mask);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int statfs(string path, byte* buffer);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int flock(int fd, int operation);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    /// <summary>f_type of the file system holding <paramref name="path"/> (the first field of struct statfs on 64-bit Linux).</summary>
    public static unsafe long FileSystemType(string path)
    {
        // struct statfs is 120 bytes on x86-64 and aarch64; f_type is its first, word-sized member.
        var buffer = stackalloc byte[256];
        if (statfs(path, buffer) != 0)
        {
            throw new IOException($"statfs {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        return *(long*)buffer & 0xffffffffL;
    }

    /// <summary>Pins thread <paramref name="tid"/> to <paramref name="cpus"/>.</summary>
    public static unsafe void SetAffinity(int tid, IEnumerable<int> cpus)
    {
        const int maskBytes = 1024 / 8;
        var mask = stackalloc byte[maskBytes];
        new Span<byte>(mask, maskBytes).Clear();
        foreach (var cpu in cpus)
        {
            if (cpu < 0 || cpu >= maskBytes * 8)
            {
                throw new ArgumentOutOfRangeException(nameof(cpus), $"host CPU {cpu} is outside the affinity mask (0-{(maskBytes * 8) - 1})");
            }

            mask[cpu / 8] |= (byte)(1 << (cpu % 8));
        }

        if (sched_setaffinity(tid, maskBytes, mask) != 0)
        {
            throw new IOException($"sched_setaffinity of thread {tid}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }
}
