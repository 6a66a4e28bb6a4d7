using System.Diagnostics;

namespace NumaOperator.Tests.Shared;

/// <summary>
/// Polling assertions for asynchronous systems, as Gomega's Eventually/Consistently read: wait until a condition or a
/// reading holds (failing with what was awaited and the last reading past the deadline), or check that it keeps
/// holding for a while. The one place tests wait; no hand-written sleep loops.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>Polls <paramref name="condition"/> every <paramref name="poll"/> (default 20 ms); throws <see cref="TimeoutException"/> with <paramref name="what"/> after <paramref name="within"/>.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan within, string what, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
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

    /// <summary>
    /// Reads until <paramref name="done"/> holds and returns that reading; after <paramref name="timeout"/> throws a
    /// <see cref="TimeoutException"/> naming <paramref name="what"/>, the last reading (through
    /// <paramref name="describe"/> when given) and <paramref name="context"/> (e.g. a log). A reading that throws counts
    /// as not done; the exception is reported when time runs out.
    /// </summary>
    public static async Task<T> UntilAsync<T>(
        Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what, Func<T, string>? describe = null, Func<string>? context = null, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + timeout;
        string last = "nothing read";
        while (true)
        {
            try
            {
                var value = await read();
                if (done(value))
                {
                    return value;
                }

                last = describe is null ? value?.ToString() ?? "null" : describe(value);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = e.ToString();
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds:0.#} s; last: {last}{(context is null ? string.Empty : "\n" + context())}");
            }

            await Task.Delay(poll ?? DefaultPoll);
        }
    }

    /// <summary>
    /// Reads until <paramref name="done"/> holds or <paramref name="timeout"/> passes, and returns the last reading
    /// either way: for checks that judge (and report) the final state themselves instead of failing on the deadline.
    /// </summary>
    public static async Task<T> LastReadingAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value) || clock.Elapsed >= timeout)
            {
                return value;
            }

            await Task.Delay(poll ?? DefaultPoll);
        }
    }

    /// <summary>Reads for <paramref name="duration"/> and throws as soon as <paramref name="holds"/> does not.</summary>
    public static async Task ConsistentlyAsync<T>(Func<Task<T>> read, Func<T, bool> holds, TimeSpan duration, string what, Func<T, string>? describe = null, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(holds);
        var until = DateTime.UtcNow + duration;
        do
        {
            var value = await read();
            if (!holds(value))
            {
                throw new InvalidOperationException($"{what}: stopped holding; value: {(describe is null ? value?.ToString() ?? "null" : describe(value))}");
            }

            await Task.Delay(poll ?? DefaultPoll);
        }
        while (DateTime.UtcNow < until);
    }
}
