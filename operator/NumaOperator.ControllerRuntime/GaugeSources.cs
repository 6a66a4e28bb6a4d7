using System.Diagnostics.Metrics;

namespace NumaOperator.ControllerRuntime;

/// <summary>
/// The live objects an observable instrument reads at collection time. Instruments are static (one Meter per
/// component) while their sources come and go (an agent, a scheduling term); several may run in one process
/// (standalone, tests), so each callback reports every registered source.
/// </summary>
public sealed class GaugeSources<TSource>
    where TSource : class
{
    private readonly List<TSource> sources = [];
    private readonly Lock gate = new();

    /// <summary>Adds <paramref name="source"/> until the returned handle is disposed.</summary>
    public IDisposable Register(TSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (gate)
        {
            sources.Add(source);
        }

        return new Unregister(this, source);
    }

    /// <summary>Every registered source's measurements, for one callback of an observable instrument.</summary>
    public List<Measurement<T>> Observe<T>(Func<TSource, IEnumerable<Measurement<T>>> read)
        where T : struct
    {
        ArgumentNullException.ThrowIfNull(read);
        TSource[] current;
        lock (gate)
        {
            current = [.. sources];
        }

        return [.. current.SelectMany(read)];
    }

    private sealed class Unregister(GaugeSources<TSource> owner, TSource source) : IDisposable
    {
        public void Dispose()
        {
            lock (owner.gate)
            {
                owner.sources.Remove(source);
            }
        }
    }
}
