namespace NumaOperator.ApiServer.Http.FlowControl;

/// <summary>
/// API Priority and Fairness priority levels, reduced to the two this server has: its own loopback clients are
/// exempt (kube-apiserver's "exempt" level serves system:masters, its loopback client among them); everyone else
/// shares "global-default", with its read-only and mutating seats and queues.
/// </summary>
public enum PriorityLevel
{
    Exempt,
    GlobalDefault,
}

/// <summary>What flow control needs to know of a request, decided from the identity and the request line only.</summary>
public static class RequestClassifier
{
    public static PriorityLevel LevelOf(ClientIdentity identity) =>
        identity == ClientIdentity.Loopback ? PriorityLevel.Exempt : PriorityLevel.GlobalDefault;

    /// <summary>kube-apiserver's nonMutatingRequestVerbs are get, list, watch (and proxy): every GET; everything else writes.</summary>
    public static bool IsMutating(string method) =>
        !(string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase) || string.Equals(method, "HEAD", StringComparison.OrdinalIgnoreCase));
}
