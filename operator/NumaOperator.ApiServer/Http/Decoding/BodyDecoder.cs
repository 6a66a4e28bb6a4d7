using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using NumaOperator.ApiServer.Json;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Http.Decoding;

/// <summary>
/// Turns request bodies into JSON objects as the real server's decoders do: a repeated key keeps its last value and
/// is judged by fieldValidation; malformed JSON is 400; the protobuf Namespace of <c>kubectl create namespace</c>.
/// </summary>
public sealed class BodyDecoder(RequestLimits limits)
{
    public RequestLimits Limits { get; } = limits;

    /// <summary>The object of a create: JSON, or for a Namespace also the protobuf that <c>kubectl create namespace</c> sends.</summary>
    public async Task<JsonObject> ReadCreateBodyAsync(ResourceKind kind, HttpContext context, WriteOptions options)
    {
        var request = context.Request;
        if (kind == BuiltinResources.Namespaces && RequestBody.MediaType(request).StartsWith("application/vnd.kubernetes.protobuf", StringComparison.Ordinal))
        {
            try
            {
                return ProtobufNamespaceReader.Read(await RequestBody.ReadAsync(request, Limits.MaxRequestBodyBytes));
            }
            catch (FormatException e)
            {
                throw ApiStatusException.BadRequest(e.Message);
            }
        }

        return await ReadObjectAsync(kind, context, options);
    }

    /// <summary>The object of a create or update (PUT), duplicate keys judged against fieldValidation.</summary>
    public async Task<JsonObject> ReadObjectAsync(ResourceKind kind, HttpContext context, WriteOptions options)
    {
        var body = await RequestBody.ReadJsonAsync(context.Request, Limits.MaxRequestBodyBytes);
        var parsed = ParseObject(body);
        CheckDuplicateFields(context, body, options, ObjectDecodingError(kind), string.Empty);
        return parsed;
    }

    /// <summary>The preconditions of a DeleteOptions body, if any.</summary>
    public async Task<(string? ResourceVersion, string? Uid)> ReadDeletePreconditionsAsync(HttpRequest request)
    {
        var body = await RequestBody.ReadJsonAsync(request, Limits.MaxRequestBodyBytes);
        if (body.Length == 0)
        {
            return (null, null);
        }

        try
        {
            var preconditions = LastKeyWins.Parse(body)?["preconditions"];
            return (preconditions?["resourceVersion"]?.ToString(), preconditions?["uid"]?.ToString());
        }
        catch (JsonException e)
        {
            throw ApiStatusException.BadRequest($"DeleteOptions: {e.Message}");
        }
    }

    public static JsonObject ParseObject(byte[] body)
    {
        try
        {
            return LastKeyWins.Parse(body) as JsonObject ?? throw ApiStatusException.BadRequest("the request body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw ApiStatusException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
    }

    /// <summary>
    /// Repeated keys in a JSON body (which the parser resolved to the last value): under Strict a 400 naming each,
    /// before anything is written; under Warn a Warning header each and the write goes on; under Ignore nothing.
    /// </summary>
    public static void CheckDuplicateFields(HttpContext context, byte[] body, WriteOptions options, string strictPrefix, string fieldPrefix)
    {
        if (options.Validation == FieldValidation.Ignore)
        {
            return;
        }

        var duplicates = DuplicateKeys.Find(body).Select(path => $"{fieldPrefix}duplicate field \"{path}\"").ToList();
        if (duplicates.Count == 0)
        {
            return;
        }

        if (options.Validation == FieldValidation.Strict)
        {
            throw ApiStatusException.BadRequest(strictPrefix + string.Join(", ", duplicates));
        }

        foreach (var warning in duplicates)
        {
            context.Response.Headers.Append("Warning", WarningHeader.Format(warning));
        }
    }

    /// <summary>The prefix of the real server's strict decoding error for an object body (as for unknown fields).</summary>
    private static string ObjectDecodingError(ResourceKind kind) =>
        $"{kind.Kind} in version \"{kind.Version}\" cannot be handled as a {kind.Kind}: strict decoding error: ";
}
