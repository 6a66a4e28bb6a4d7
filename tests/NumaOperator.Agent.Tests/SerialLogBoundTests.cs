using System.Diagnostics;
using NumaOperator.Agent.SerialConsole;
using NumaOperator.Qemu.CommandLine;
using NumaOperator.Tests.Shared;

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

            // QEMU opens the log with O_APPEND (logappend=on) once and keeps writing through the same descriptor; so
            // does this cat (the shell's >>). 30 bursts of 100 lines; the bound is enforced after each one has landed.
            await File.WriteAllTextAsync(state.SerialLog, string.Empty);
            using var writer = Process.Start(new ProcessStartInfo("sh", ["-c", $"exec cat >>'{state.SerialLog}'"]) { RedirectStandardInput = true })!;
            var rotations = 0;
            for (var burst = 0; burst < 30; burst++)
            {
                var last = $"line {(burst * 100) + 99}\n";
                for (var line = burst * 100; line < (burst + 1) * 100; line++)
                {
                    await writer.StandardInput.WriteAsync($"line {line}\n");
                }

                await writer.StandardInput.FlushAsync();
                await Eventually.UntilAsync(() => Task.FromResult(File.ReadAllText(state.SerialLog)), text => text.EndsWith(last, StringComparison.Ordinal), TimeSpan.FromSeconds(10), $"burst {burst} in the log");
                rotations += SerialLogBound.Enforce(state, max) ? 1 : 0;
                Assert.InRange(new FileInfo(state.SerialLog).Length, 0, max);
            }

            writer.StandardInput.Close();
            await writer.WaitForExitAsync();

            Assert.True(rotations > 3, $"3000 lines (~30 KB) must pass a 4 KiB bound several times, not {rotations}");
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
