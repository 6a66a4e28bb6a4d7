namespace NumaOperator.ApiServer;

/// <summary>
/// What one request may carry, as kube-apiserver bounds it. Each limit is answered with the real server's Status
/// before anything is stored (docs/security.md lists them with the tests that hold them).
/// </summary>
public sealed record RequestLimits
{
    /// <summary>kube-apiserver's MaxRequestBodyBytes: 3 MiB.</summary>
    public const long DefaultMaxRequestBodyBytes = 3 * 1024 * 1024;

    /// <summary>
    /// Request bodies above this are 413 RequestEntityTooLarge ("limit is 3145728"); a larger Content-Length is refused
    /// before any of the body is read.
    /// </summary>
    public long MaxRequestBodyBytes { get; init; } = DefaultMaxRequestBodyBytes;

    /// <summary>
    /// labelSelector and fieldSelector longer than this are 400 (the real server has no limit of its own but the
    /// 1 MiB header limit of Go's HTTP server; Kestrel's 8 KiB request line is the outer bound here).
    /// </summary>
    public int MaxSelectorLength { get; init; } = 4096;

    /// <summary>kube-apiserver's maxJSONPatchOperations: more operations in one JSON patch are 413.</summary>
    public int MaxJsonPatchOperations { get; init; } = 10_000;

    /// <summary>kube-apiserver's JSONPatchMaxCopyBytes: the bytes all "copy" operations of one patch may add (422 past it).</summary>
    public long JsonPatchMaxCopyBytes { get; init; } = DefaultMaxRequestBodyBytes;

    /// <summary>The bad value, named, or null when every limit is a positive number.</summary>
    internal string? Invalid() =>
        MaxRequestBodyBytes < 1 ? $"MaxRequestBodyBytes {MaxRequestBodyBytes}"
        : MaxSelectorLength < 1 ? $"MaxSelectorLength {MaxSelectorLength}"
        : MaxJsonPatchOperations < 1 ? $"MaxJsonPatchOperations {MaxJsonPatchOperations}"
        : JsonPatchMaxCopyBytes < 1 ? $"JsonPatchMaxCopyBytes {JsonPatchMaxCopyBytes}"
        : null;
}
