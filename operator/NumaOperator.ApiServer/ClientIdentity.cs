namespace NumaOperator.ApiServer;

/// <summary>Who a request comes from, as the bearer token says; it decides the request's priority level.</summary>
public enum ClientIdentity
{
    /// <summary>
    /// The kubeconfig token (kept in the data dir, written into every kubeconfig): kubectl, scripts, GitOps tools, a
    /// controller or agent in another process. Limited by <see cref="FlowControlOptions"/>.
    /// </summary>
    Kubeconfig,

    /// <summary>
    /// This process's own clients (standalone's controller, agent and live view): a token made at every start and
    /// held only in memory, as kube-apiserver's loopback client (system:apiserver in system:masters). Exempt from
    /// flow control, so no other client can starve them.
    /// </summary>
    Loopback,
}
