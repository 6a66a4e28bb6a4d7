using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NumaOperator.ApiServer.Http.Decoding;
using NumaOperator.ApiServer.Json;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Http.Handlers;

/// <summary>
/// PATCH of one object or its /status (kube-apiserver endpoints/handlers/patch.go): merge and JSON patch (strategic
/// merge on built-ins only, 415 on custom resources). A JSON patch of more than 10,000 operations is 413, and its
/// "copy" operations may add at most JSONPatchMaxCopyBytes, as in the real server.
/// </summary>
public static class PatchResource
{
    public static async Task HandleAsync(RequestScope scope, ResourceRequest request)
    {
        var patchKind = PatchKindOf(request.Kind, request.Request.ContentType);
        var body = await RequestBody.ReadJsonAsync(request.Request, scope.Limits.MaxRequestBodyBytes);
        JsonNode? patch;
        try
        {
            patch = LastKeyWins.Parse(body);
        }
        catch (JsonException e)
        {
            throw ApiStatusException.BadRequest($"error decoding patch: {e.Message}");
        }

        if (patchKind == PatchKind.Json && patch is JsonArray operations && operations.Count > scope.Limits.MaxJsonPatchOperations)
        {
            throw ApiStatusException.RequestEntityTooLarge(string.Create(CultureInfo.InvariantCulture, $"The allowed maximum operations in a JSON patch is {scope.Limits.MaxJsonPatchOperations}, got {operations.Count}"));
        }

        // The real server strict-decodes the patch itself (patch.go applyJSPatch: kjson.UnmarshalStrict of the
        // patch bytes under Strict and Warn), so duplicates are judged in the patch; the patched result is
        // re-encoded and cannot hold any. A strategic merge patch on a custom resource is a 415 first.
        if (!(patchKind == PatchKind.StrategicMerge && request.Kind.IsCustomResource))
        {
            BodyDecoder.CheckDuplicateFields(request.Context, body, request.Options, "strict decoding error: ", patchKind == PatchKind.Json ? "json patch " : string.Empty);
        }

        var patched = scope.Operations.Patch(request.Kind, request.Namespace!, request.Name, patchKind, patch, request.StatusOnly, request.Options, scope.Limits.JsonPatchMaxCopyBytes);
        await ResponseWriter.WriteObjectAsync(scope, request.Context, 200, request.Kind, patched);
    }

    private static PatchKind PatchKindOf(ResourceKind kind, string? contentType)
    {
        var mediaType = (contentType ?? string.Empty).Split(';')[0].Trim();
        return mediaType switch
        {
            "application/merge-patch+json" => PatchKind.Merge,
            "application/json-patch+json" => PatchKind.Json,
            "application/strategic-merge-patch+json" when !kind.IsCustomResource => PatchKind.StrategicMerge,
            _ => throw ApiStatusException.UnsupportedMediaType(mediaType, ResourceOperations.PatchContentTypes(kind)),
        };
    }
}
