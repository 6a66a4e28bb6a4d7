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

        using var buffer = new MemoryStream();
        var chunk = new byte[ChunkSize];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
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

        return buffer.ToArray();
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
