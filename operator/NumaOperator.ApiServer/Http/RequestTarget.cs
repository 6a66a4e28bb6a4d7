using NumaOperator.ApiServer.Resources;

namespace NumaOperator.ApiServer.Http;

/// <summary>A resource URL taken apart: /api/v1/namespaces/NS/PLURAL/NAME/SUB or /apis/G/V/PLURAL/NAME/SUB.</summary>
public sealed record RequestTarget(ResourceKind Kind, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>Resolves the segments after /api/v1 or /apis/G/V; null when no served resource matches.</summary>
    public static RequestTarget? Resolve(ResourceRegistry registry, string group, string version, ReadOnlySpan<string> rest)
    {
        if (rest.Length >= 3 && rest[0] == "namespaces" && registry.Find(group, version, rest[2]) is { Namespaced: true } namespaced)
        {
            return rest.Length > 5 ? null : new RequestTarget(namespaced, rest[1], At(rest, 3), At(rest, 4));
        }

        if (rest.Length is 0 or > 3 || registry.Find(group, version, rest[0]) is not { } kind)
        {
            return null;
        }

        var target = new RequestTarget(kind, null, At(rest, 1), At(rest, 2));
        return kind.Namespaced && target.Name is not null ? null : target;
    }

    private static string? At(ReadOnlySpan<string> rest, int index) => index < rest.Length ? rest[index] : null;
}
