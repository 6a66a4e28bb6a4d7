using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace NumaOperator.ApiServer.Http.Decoding;

/// <summary>
/// Reads a request body as kube-apiserver's limitedReadBody does: at most the limit plus one byte, and a larger body
/// is 413 RequestEntityTooLarge ("limit is 3145728"). A Content-Length above the limit is refused before anything is
/// read; Kestrel's own MaxRequestBodySize (the same limit) keeps it from draining the rest of an oversized body.
/// </summary>
public static class RequestBody
{
    private const int ChunkSize = 64 * 1024;

    public static async Task<byte[]> ReadAsync(HttpRequest request, long limit)
    {
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        // A Content-Length sizes the buffer once, and the read chunk is pooled: a fresh 64 KiB chunk per request was
        // most of the API server's allocation in a burst (3,000 small bodies a second), and with it its GC pauses.
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 0);
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk.AsMemory(0, ChunkSize), request.HttpContext.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw TooLarge(limit);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(limit);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        // The buffer is returned as it is when the Content-Length was right (no copy).
        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    /// <summary>A JSON body: protobuf and CBOR are 415 (only JSON is decoded here).</summary>
    public static Task<byte[]> ReadJsonAsync(HttpRequest request, long limit)
    {
        var mediaType = MediaType(request);
        if (mediaType.Contains("protobuf", StringComparison.Ordinal) || mediaType.Contains("cbor", StringComparison.Ordinal))
        {
            throw ApiStatusException.UnsupportedMediaType(mediaType, ["application/json"]);
        }

        return ReadAsync(request, limit);
    }

    /// <summary>The Content-Type without parameters ("application/json" of "application/json; charset=utf-8").</summary>
    public static string MediaType(HttpRequest request) => (request.ContentType ?? string.Empty).Split(';')[0].Trim();

    private static ApiStatusException TooLarge(long limit) =>
        ApiStatusException.RequestEntityTooLarge(FormattableString.Invariant($"limit is {limit}"));
}
