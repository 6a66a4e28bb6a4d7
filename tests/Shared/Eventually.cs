namespace NumaOperator.Tests.Shared;

/// <summary>Polls until a condition holds or time runs out: the one wait loop tests share instead of hand-written sleeps.</summary>
public static class Eventually
{
    /// <summary>
    /// Reads <paramref name="probe"/> every <paramref name="interval"/> (250 ms by default) until <paramref name="done"/>
    /// holds or <paramref name="timeout"/> passes, and returns the last value read either way, so the caller's
    /// assertion can print what was last seen.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value) || DateTime.UtcNow >= deadline)
            {
                return value;
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(250));
        }
    }
}
