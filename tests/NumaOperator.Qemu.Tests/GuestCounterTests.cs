using NumaOperator.Tests.Shared;

namespace NumaOperator.Qemu.Tests;

/// <summary>Reading the test guest's counter (numaguest.count=1) from serial-log lines: what a migration test judges by.</summary>
public sealed class GuestCounterTests
{
    [Fact]
    public void Counts_are_read_from_whole_lines_and_after_the_shell_prompt_but_not_from_other_text()
    {
        string[] lines =
        [
            "NUMAGUEST-READY",
            "NUMAGUEST-COUNT 1",
            "numaguest# NUMAGUEST-COUNT 2",
            "NUMAGUEST-COUNT 3\r",
            "echo NUMAGUEST-COUNT 99 typed",
            "NUMAGUEST-COUNT x",
            "NUMAGUEST-COUNT 4",
        ];

        Assert.Equal([1L, 2, 3, 4], GuestCounter.Counts(lines));
    }

    [Fact]
    public void A_count_that_repeats_or_goes_back_is_a_step_back_and_a_gap_is_not()
    {
        Assert.Null(GuestCounter.StepBack([1, 2, 3, 7, 8]));
        Assert.Null(GuestCounter.StepBack([]));
        Assert.Equal("count 1 after 57 (position 3 of 4)", GuestCounter.StepBack([56, 57, 1, 2]));
        Assert.Equal("count 5 after 5 (position 2 of 2)", GuestCounter.StepBack([5, 5]));
    }

    [Fact]
    public void The_last_line_of_a_log_counts_only_once_it_ends_in_a_newline()
    {
        var log = Path.GetTempFileName();
        try
        {
            File.WriteAllText(log, "NUMAGUEST-COUNT 1\r\nNUMAGUEST-COUNT 2\nNUMAGUEST-COUNT 3");
            Assert.Equal([1L, 2], GuestCounter.Counts(log));
            File.AppendAllText(log, "4\n");
            Assert.Equal([1L, 2, 34], GuestCounter.Counts(log));
        }
        finally
        {
            File.Delete(log);
        }

        Assert.Empty(GuestCounter.Counts(log));
    }
}
