using Microsoft.AspNetCore.Http;
using NumaOperator.ApiServer.Faults;
using NumaOperator.ApiServer.Http.Decoding;
using NumaOperator.ApiServer.Http.FlowControl;
using NumaOperator.ApiServer.Resources;
using NumaOperator.ApiServer.Storage;

namespace NumaOperator.ApiServer.Http;

/// <summary>What every verb handler works with (kube-apiserver's handlers.RequestScope): storage, write semantics, output.</summary>
public sealed class RequestScope(
    ObjectStore store,
    ResourceOperations operations,
    TableConverter tables,
    BodyDecoder decoder,
    FlowController flow,
    FaultInjector faults,
    TimeSpan bookmarkInterval)
{
    public ObjectStore Store { get; } = store;

    public ResourceOperations Operations { get; } = operations;

    public TableConverter Tables { get; } = tables;

    public BodyDecoder Decoder { get; } = decoder;

    public RequestLimits Limits => Decoder.Limits;

    public FlowController Flow { get; } = flow;

    public FaultInjector Faults { get; } = faults;

    /// <summary>How often a quiet watch that allows bookmarks gets a BOOKMARK.</summary>
    public TimeSpan BookmarkInterval { get; } = bookmarkInterval;
}

/// <summary>A resource request after routing: the HTTP exchange, the resolved URL, the caller and the write options.</summary>
public sealed record ResourceRequest(HttpContext Context, RequestTarget Target, ClientIdentity Identity, WriteOptions Options)
{
    public ResourceKind Kind => Target.Kind;

    /// <summary>The namespace of a namespaced resource; "" for a cluster-scoped one; null: every namespace (collection URLs).</summary>
    public string? Namespace => Kind.Namespaced ? Target.Namespace : string.Empty;

    public string Name => Target.Name ?? string.Empty;

    /// <summary>The /status subresource.</summary>
    public bool StatusOnly => Target.Subresource == "status";

    public HttpRequest Request => Context.Request;

    public CancellationToken Aborted => Context.RequestAborted;
}
