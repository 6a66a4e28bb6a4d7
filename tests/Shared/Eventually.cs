using System.Diagnostics;

namespace NumaOperator.Tests.Shared;

/// <summary>Waits for a condition the way Gomega's Eventually does: polls until it holds, fails with a message past the deadline.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every <paramref name="poll"/> (default 20 ms); throws <see cref="TimeoutException"/> with <paramref name="what"/> after <paramref name="within"/>.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan within, string what, TimeSpan? poll = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > within)
            {
                throw new TimeoutException($"not within {within.TotalSeconds:0.#} s: {what}");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(20));
        }
    }

    public static Task HoldsAsync(Func<bool> condition, TimeSpan within, string what, TimeSpan? poll = null) =>
        HoldsAsync(() => Task.FromResult(condition()), within, what, poll);
}
