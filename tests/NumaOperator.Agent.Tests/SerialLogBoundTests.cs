using System.Diagnostics;
using NumaOperator.Agent.SerialConsole;
using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Agent.Tests;

/// <summary>The serial log stays bounded on the host while QEMU appends to it (O_APPEND), and reads back in order.</summary>
public sealed class SerialLogBoundTests
{
    [Theory]
    [InlineData(0, 100)]
    [InlineData(100, 100)]
    public void A_log_within_the_bound_is_left_alone(long length, long max) => Assert.Null(SerialLogBound.KeptRange(length, max));

    [Fact]
    public void A_log_over_the_bound_keeps_its_newest_max_bytes() => Assert.Equal((150L, 100L), SerialLogBound.KeptRange(250, 100));

    [Fact]
    public void A_bound_of_zero_bytes_is_refused() => Assert.Throws<ArgumentOutOfRangeException>(() => SerialLogBound.KeptRange(10, 0));

    [Theory]
    [InlineData("a\nb\nc\n", 2, "b\nc\n")]
    [InlineData("a\nb\nc", 2, "b\nc")]
    [InlineData("a\nb\n", 5, "a\nb\n")]
    [InlineData("a\nb\n", 0, "")]
    [InlineData("", 3, "")]
    public void Tail_lines_are_the_last_n_lines_a_partial_last_line_counting_as_one(string text, int count, string expected) =>
        Assert.Equal(expected, SerialLogBound.LastLines(text, count));

    [Fact]
    public async Task A_log_appended_to_with_o_append_stays_within_twice_the_bound_and_reads_back_without_holes()
    {
        var dir = Directory.CreateTempSubdirectory("numaop-serial-bound-");
        try
        {
            var state = new VmStatePaths(dir.FullName);
            const long max = 4096;

            // QEMU opens the log with O_APPEND (logappend=on); so does the shell's >>. It writes in bursts, so rotations
            // happen while it writes.
            await File.WriteAllTextAsync(state.SerialLog, string.Empty);
            using var writer = Process.Start(new ProcessStartInfo("sh", ["-c", $"exec >>'{state.SerialLog}'; i=0; while [ $i -lt 3000 ]; do echo \"line $i\"; i=$((i+1)); [ $((i % 100)) -eq 0 ] && sleep 0.02; done; true"]))!;
            var rotations = 0;
            long largest = 0;
            while (!writer.HasExited)
            {
                rotations += SerialLogBound.Enforce(state, max) ? 1 : 0;
                largest = Math.Max(largest, new FileInfo(state.SerialLog).Length);
                await Task.Delay(5);
            }

            await writer.WaitForExitAsync();
            rotations += SerialLogBound.Enforce(state, max) ? 1 : 0;

            Assert.True(rotations > 1, "3000 lines (~30 KB) written in 30 bursts must pass a 4 KiB bound several times");
            Assert.InRange(new FileInfo(state.SerialLogPrevious).Length, 1, max);
            Assert.InRange(new FileInfo(state.SerialLog).Length, 0, max);
            var text = SerialLogBound.Tail(state, lines: null);
            Assert.DoesNotContain('\0', text); // truncation under O_APPEND leaves no sparse hole
            Assert.EndsWith("line 2999\n", text, StringComparison.Ordinal);
            Assert.Equal("line 2998\nline 2999\n", SerialLogBound.Tail(state, 2));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
