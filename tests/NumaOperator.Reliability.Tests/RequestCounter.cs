namespace NumaOperator.Reliability.Tests;

/// <summary>
/// Counts the API requests the harness's clients send, and those sent while the server's injected latency was on
/// (the server delays every request it receives then; it keeps no count of its own).
/// </summary>
public sealed class RequestCounter(Func<TimeSpan> latency)
{
    private readonly Func<TimeSpan> latency = latency;
    private long requests;
    private long delayed;

    public long Requests => Interlocked.Read(ref requests);

    public long Delayed => Interlocked.Read(ref delayed);

    /// <summary>A handler for one client (a DelegatingHandler belongs to one HttpClient).</summary>
    public DelegatingHandler Handler() => new Counting(this);

    private sealed class Counting(RequestCounter counter) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref counter.requests);
            if (counter.latency() > TimeSpan.Zero)
            {
                Interlocked.Increment(ref counter.delayed);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
