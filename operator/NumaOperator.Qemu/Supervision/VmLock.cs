using System.Runtime.InteropServices;
using NumaOperator.Qemu.Host;

namespace NumaOperator.Qemu.Supervision;

/// <summary>
/// An exclusive flock on the VM's state-dir lock file, held by whichever supervisor owns the VM. Two supervisors
/// (an agent and its restarted self, or an agent and `numa-operator launch`) can never both start or adopt one VM.
/// The kernel drops the lock when the holder exits, so a crashed agent never leaves it stale.
/// </summary>
public sealed class VmLock : IDisposable
{
    private readonly FileStream _file;

    private VmLock(FileStream file) => _file = file;

    /// <exception cref="VmLockedException">Another supervisor holds the lock.</exception>
    public static VmLock Acquire(string lockFile)
    {
        FileStream file;
        try
        {
            file = new FileStream(lockFile, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.ReadWrite,
            });
        }
        catch (IOException e) when (File.Exists(lockFile))
        {
            // .NET emulates FileShare with a shared flock at open, which our exclusive flock already blocks.
            throw new VmLockedException($"another supervisor holds {lockFile}: this VM is already managed; never two QEMU for one VM", e);
        }

        if (LibC.flock((int)file.SafeFileHandle.DangerousGetHandle(), LibC.LockExclusive | LibC.LockNonBlocking) != 0)
        {
            var error = Marshal.GetLastPInvokeErrorMessage();
            file.Dispose();
            throw new VmLockedException($"another supervisor holds {lockFile} ({error}): this VM is already managed; never two QEMU for one VM");
        }

        return new VmLock(file);
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>The VM's lock is held by another supervisor.</summary>
public sealed class VmLockedException : Exception
{
    public VmLockedException()
    {
    }

    public VmLockedException(string message)
        : base(message)
    {
    }

    public VmLockedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
