using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NumaOperator.ApiServer.Admission;
using NumaOperator.ApiServer.Storage;

namespace NumaOperator.ApiServer;

/// <summary>How to start an <see cref="EmbeddedApiServer"/>.</summary>
public sealed class ApiServerOptions
{
    /// <summary>
    /// Directory of the SQLite datastore (state.db), the token and the serving key; null keeps everything in memory
    /// (tests). Created 0700 with its files 0600; looser modes found at start are tightened with a warning.
    /// </summary>
    public string? DataDir { get; init; }

    /// <summary>What an acknowledged write survives (SQLite synchronous NORMAL or FULL).</summary>
    public StorageDurability Durability { get; init; } = StorageDurability.SurvivesProcessCrash;

    /// <summary>Body size, selector length and JSON patch limits, as kube-apiserver's.</summary>
    public RequestLimits Limits { get; init; } = new();

    /// <summary>Requests in flight, queues and watches per client for every client but the in-process ones.</summary>
    public FlowControlOptions FlowControl { get; init; } = new();

    /// <summary>Where start-up warnings (a data dir with loose modes) go.</summary>
    public ILogger Log { get; init; } = NullLogger.Instance;

    /// <summary>Address to listen on; loopback by default (HTTPS, bearer token).</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free one (see <see cref="EmbeddedApiServer.BaseAddress"/>).</summary>
    public int Port { get; init; }

    /// <summary>Bearer token clients must send; null: a random one (kept in DataDir/token when there is a DataDir).</summary>
    public string? Token { get; init; }

    /// <summary>
    /// More token users, known to TokenReview only (a node agent authenticating its callers); they are not system:masters
    /// unless their groups say so, and the server itself serves only its kubeconfig and loopback tokens.
    /// </summary>
    public IReadOnlyList<Http.Authentication.StaticTokenUser> Users { get; init; } = [];

    /// <summary>The CRDs to serve; null: NumaVirtualMachine and NumaNodeTopology.</summary>
    public IReadOnlyList<V1CustomResourceDefinition>? CustomResourceDefinitions { get; init; }

    /// <summary>Admission for creates and updates; null: structural schema checks of the CRD + NumaVirtualMachineValidator.</summary>
    public IObjectAdmission? Admission { get; init; }

    /// <summary>How many recent changes watches can resume from; older resourceVersions get 410 Gone.</summary>
    public int WatchHistory { get; init; } = 10_000;

    /// <summary>How often a quiet watch that allows bookmarks gets a BOOKMARK.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
