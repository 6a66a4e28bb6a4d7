namespace NumaOperator.ApiServer.Resources;

/// <summary>Every resource the server serves, looked up by group/version/plural as the URL names it.</summary>
public sealed class ResourceRegistry
{
    private readonly Dictionary<(string Group, string Version, string Plural), ResourceKind> byPath = [];
    private readonly List<ResourceKind> all = [];

    public ResourceRegistry(IEnumerable<ResourceKind> kinds)
    {
        foreach (var kind in kinds)
        {
            if (!byPath.TryAdd((kind.Group, kind.Version, kind.Plural), kind))
            {
                throw new ArgumentException($"resource {kind.Plural} in {kind.ApiVersion} is registered twice", nameof(kinds));
            }

            all.Add(kind);
        }
    }

    public IReadOnlyList<ResourceKind> All => all;

    public ResourceKind? Find(string group, string version, string plural) =>
        byPath.TryGetValue((group, version, plural), out var kind) ? kind : null;

    /// <summary>Groups other than the core group, in registration order, each with its versions.</summary>
    public IEnumerable<(string Group, IReadOnlyList<string> Versions)> NamedGroups() =>
        all.Where(k => k.Group.Length > 0)
            .GroupBy(k => k.Group)
            .Select(g => (g.Key, (IReadOnlyList<string>)g.Select(k => k.Version).Distinct().ToList()));

    public IEnumerable<ResourceKind> InGroupVersion(string group, string version) =>
        all.Where(k => k.Group == group && k.Version == version);
}
