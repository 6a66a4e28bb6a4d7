namespace NumaOperator.ApiServer.Http;

/// <summary>
/// A request after routing: what serves it, and how flow control counts it. <see cref="RunAsync"/> gets the seat the
/// request holds, so a long-running request (a watch) can give it back early.
/// </summary>
public sealed record ApiRoute(Func<IDisposable, Task> RunAsync, bool Mutating, RequestTarget? Target = null)
{
    /// <summary>Health checks: never queued or refused (kube-apiserver's "probes" flow schema is exempt).</summary>
    public bool Exempt { get; init; }
}
