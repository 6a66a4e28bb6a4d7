using System.Text;
using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Agent.SerialConsole;

/// <summary>
/// Keeps a VM's serial log bounded on the host. QEMU appends to serial.log (O_APPEND, logappend=on) for the VM's whole
/// life; past <c>maxBytes</c> the agent keeps the newest <c>maxBytes</c> in serial.log.1 and truncates serial.log to zero
/// (logrotate's copytruncate; with O_APPEND QEMU's next write lands at offset 0, no hole). On disk: at most
/// 2 × maxBytes plus what the guest writes between two checks; a few bytes written between copy and truncate are lost.
/// </summary>
public static class SerialLogBound
{
    public const long DefaultMaxBytes = 1024 * 1024;

    /// <summary>Which part of a log of <paramref name="lengthBytes"/> to keep, or null when it is within the bound.</summary>
    public static (long Offset, long Count)? KeptRange(long lengthBytes, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        return lengthBytes <= maxBytes ? null : (lengthBytes - maxBytes, maxBytes);
    }

    /// <summary>Rotates the log when it is over the bound; returns whether it did.</summary>
    public static bool Enforce(VmStatePaths state, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(state);
        var info = new FileInfo(state.SerialLog);
        if (!info.Exists || KeptRange(info.Length, maxBytes) is not { } kept)
        {
            return false;
        }

        using (var log = new FileStream(state.SerialLog, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
        {
            using (var previous = new FileStream(state.SerialLogPrevious, FileMode.Create, FileAccess.Write))
            {
                log.Seek(kept.Offset, SeekOrigin.Begin);
                CopyAtMost(log, previous, kept.Count);
            }

            log.SetLength(0);
        }

        return true;
    }

    /// <summary>The last <paramref name="lines"/> lines (all when null) of serial.log.1 followed by serial.log.</summary>
    public static string Tail(VmStatePaths state, int? lines)
    {
        ArgumentNullException.ThrowIfNull(state);
        var text = new StringBuilder();
        foreach (var path in new[] { state.SerialLogPrevious, state.SerialLog })
        {
            if (File.Exists(path))
            {
                using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), Encoding.UTF8);
                text.Append(reader.ReadToEnd());
            }
        }

        return lines is { } n ? LastLines(text.ToString(), n) : text.ToString();
    }

    /// <summary>The last <paramref name="count"/> lines of <paramref name="text"/> (a final partial line counts as one).</summary>
    public static string LastLines(string text, int count)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var endsWithNewline = text.EndsWith('\n');
        var lines = (endsWithNewline ? text[..^1] : text).Split('\n');
        if (count == 0 || text.Length == 0)
        {
            return string.Empty;
        }

        return string.Join('\n', lines.TakeLast(count)) + (endsWithNewline ? "\n" : string.Empty);
    }

    private static void CopyAtMost(Stream from, Stream to, long count)
    {
        var buffer = new byte[64 * 1024];
        while (count > 0)
        {
            var read = from.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (read == 0)
            {
                return;
            }

            to.Write(buffer, 0, read);
            count -= read;
        }
    }
}
