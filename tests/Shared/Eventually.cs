using System.Diagnostics;

namespace NumaOperator.Tests.Shared;

/// <summary>
/// Polling assertions, the way Gomega's Eventually/Consistently read: wait until a condition or a reading holds
/// (failing with what was awaited and the last reading past the deadline), or check that it keeps holding.
/// </summary>
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

    /// <summary>
    /// Reads until <paramref name="done"/> holds and returns that reading; after <paramref name="timeout"/> throws a
    /// <see cref="TimeoutException"/> naming <paramref name="what"/>, the last reading and <paramref name="context"/>.
    /// A reading that throws counts as not done (the exception is reported when time runs out).
    /// </summary>
    public static async Task<T> Async<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what, Func<string>? context = null, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + timeout;
        object? last = null;
        while (true)
        {
            try
            {
                var value = await read();
                if (done(value))
                {
                    return value;
                }

                last = value;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = e;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds:0} s; last: {last}{(context is null ? string.Empty : "\n" + context())}");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Reads for <paramref name="period"/> and fails at the first reading for which <paramref name="holds"/> is false.</summary>
    public static async Task ConsistentlyAsync<T>(Func<Task<T>> read, Func<T, bool> holds, TimeSpan period, string what, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(holds);
        var end = DateTime.UtcNow + period;
        do
        {
            var value = await read();
            if (!holds(value))
            {
                throw new InvalidOperationException($"{what}: broken by {value}");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(200));
        }
        while (DateTime.UtcNow < end);
    }
}
