namespace NumaOperator.Tests.Shared;

/// <summary>
/// Polling assertions for asynchronous systems (Gomega's Eventually/Consistently): read a value until it satisfies a
/// predicate, or check that it keeps satisfying one for a while. Failures say what was awaited and the last value.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>Reads until <paramref name="done"/> holds and returns that value; throws a TimeoutException naming <paramref name="what"/>.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what, Func<T, string>? describe = null, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var last = await read();
            if (done(last))
            {
                return last;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{what}: not reached within {timeout.TotalSeconds:0.#} s; last: {(describe is null ? last?.ToString() ?? "null" : describe(last))}");
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
