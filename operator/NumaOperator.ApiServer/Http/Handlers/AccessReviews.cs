using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using NumaOperator.ApiServer.Http.Authentication;
using NumaOperator.ApiServer.Http.Decoding;

namespace NumaOperator.ApiServer.Http.Handlers;

/// <summary>
/// The two reviews a node agent needs to serve consoles with the caller's permissions (the kubelet's webhook
/// authentication and authorization): POST authentication.k8s.io/v1 tokenreviews and authorization.k8s.io/v1
/// subjectaccessreviews. The answer is the request with its status filled in, nothing is stored. The embedded server
/// has no RBAC: it allows system:masters everything and everyone else nothing, and says so in the denial's reason.
/// </summary>
public sealed class AccessReviews(StaticTokenUsers users, RequestLimits limits)
{
    public const string NoRbacReason = "the embedded API server has no RBAC: it allows members of system:masters only";

    public async Task TokenReviewAsync(HttpContext context)
    {
        var review = await ReadAsync(context, "TokenReview");
        var token = review["spec"]?["token"]?.GetValue<string>();
        var user = users.Find(token);
        review["status"] = user is null
            ? new JsonObject { ["authenticated"] = false, ["error"] = "invalid bearer token" }
            : new JsonObject
            {
                ["authenticated"] = true,
                ["user"] = new JsonObject
                {
                    ["username"] = user.Name,
                    ["uid"] = user.Name,
                    ["groups"] = new JsonArray([.. user.Groups.Select(g => JsonValue.Create(g))]),
                },
            };
        await ResponseWriter.WriteJsonAsync(context, 201, review);
    }

    public async Task SubjectAccessReviewAsync(HttpContext context)
    {
        var review = await ReadAsync(context, "SubjectAccessReview");
        var groups = review["spec"]?["groups"] as JsonArray ?? [];
        var allowed = groups.Any(g => g?.GetValue<string>() == StaticTokenUser.Masters);
        review["status"] = allowed
            ? new JsonObject { ["allowed"] = true, ["reason"] = "member of system:masters" }
            : new JsonObject { ["allowed"] = false, ["reason"] = NoRbacReason };
        await ResponseWriter.WriteJsonAsync(context, 201, review);
    }

    private async Task<JsonObject> ReadAsync(HttpContext context, string kind)
    {
        var body = await RequestBody.ReadJsonAsync(context.Request, limits.MaxRequestBodyBytes);
        if (JsonNode.Parse(body) is not JsonObject review || review["kind"]?.GetValue<string>() is { } k && k != kind)
        {
            throw ApiStatusException.BadRequest($"the body must be a {kind} object");
        }

        review.Remove("status");
        return review;
    }
}
