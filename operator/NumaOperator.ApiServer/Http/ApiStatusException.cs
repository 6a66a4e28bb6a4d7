using System.Text.Json.Nodes;
using NumaOperator.Api.Validation;
using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Http;

/// <summary>A failed request, answered with a metav1.Status carrying the real server's code, reason and message.</summary>
public sealed class ApiStatusException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject? Details { get; } = details;

    /// <summary>metadata.continue of the Status: the inconsistent continue token an expired one is answered with.</summary>
    public string? Continue { get; init; }

    /// <summary>details.retryAfterSeconds, which the response also carries as a Retry-After header (as the real server writes it).</summary>
    public int? RetryAfterSeconds => Details?["retryAfterSeconds"]?.GetValue<int>();

    public JsonObject ToStatus()
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = Continue is null ? new JsonObject() : new JsonObject { ["continue"] = Continue },
            ["status"] = "Failure",
            ["message"] = Message,
            ["reason"] = Reason,
        };
        if (Details is not null)
        {
            status["details"] = Details.DeepClone();
        }

        status["code"] = Code;
        return status;
    }

    public static ApiStatusException NotFound(ResourceKind kind, string name) =>
        new(404, "NotFound", $"{kind.GroupResource} \"{name}\" not found", ResourceDetails(kind, name));

    public static ApiStatusException AlreadyExists(ResourceKind kind, string name) =>
        new(409, "AlreadyExists", $"{kind.GroupResource} \"{name}\" already exists", ResourceDetails(kind, name));

    public static ApiStatusException Conflict(ResourceKind kind, string name, string why = "the object has been modified; please apply your changes to the latest version and try again") =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {kind.GroupResource} \"{name}\": {why}", ResourceDetails(kind, name));

    public static ApiStatusException Invalid(ResourceKind kind, string name, IReadOnlyList<FieldError> errors)
    {
        var shown = errors.Select(e => e.ToString()).ToList();
        var message = $"{kind.GroupKind} \"{name}\" is invalid: " + (shown.Count == 1 ? shown[0] : "[" + string.Join(", ", shown) + "]");
        var details = new JsonObject { ["name"] = name };
        if (kind.Group.Length > 0)
        {
            details["group"] = kind.Group;
        }

        details["kind"] = kind.Kind;
        details["causes"] = new JsonArray(errors.Select(e => (JsonNode)new JsonObject
        {
            ["reason"] = e.CauseReason,
            ["message"] = e.ToString()[(e.Path.Length + 2)..],
            ["field"] = e.Path,
        }).ToArray());
        return new ApiStatusException(422, "Invalid", message, details);
    }

    public static ApiStatusException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiStatusException MethodNotAllowed() => new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

    public static ApiStatusException UnsupportedMediaType(string contentType, IEnumerable<string> accepted) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format ({contentType}) - accepted media types include: {string.Join(", ", accepted)}");

    public static ApiStatusException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiStatusException NotFoundPath() => new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    public static ApiStatusException Gone(string message) => new(410, "Expired", message);

    /// <summary>apierrors.NewRequestEntityTooLargeError: 413, the message prefixed as the real server prefixes it.</summary>
    public static ApiStatusException RequestEntityTooLarge(string why) => new(413, "RequestEntityTooLarge", $"Request entity too large: {why}");

    public static ApiStatusException Internal(string message) => new(500, "InternalError", $"Internal error occurred: {message}");

    private static JsonObject ResourceDetails(ResourceKind kind, string name)
    {
        var details = new JsonObject { ["name"] = name };
        if (kind.Group.Length > 0)
        {
            details["group"] = kind.Group;
        }

        details["kind"] = kind.Plural;
        return details;
    }
}
