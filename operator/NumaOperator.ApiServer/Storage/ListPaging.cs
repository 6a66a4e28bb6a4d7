namespace NumaOperator.ApiServer.Storage;

/// <summary>One page of a list: its items, whether more follow, and how many (every match after the page).</summary>
public sealed record ListPage(IReadOnlyList<StoredObject> Items, long ResourceVersion, bool HasMore, long Remaining);

/// <summary>
/// Cuts a list into pages as the real server's storage does: objects ordered by namespace then name, the page
/// starting at a key, at most <c>limit</c> matches, and the count of matches after it. Pure: the caller passes the
/// objects as they were at the list's resourceVersion.
/// </summary>
public static class ListPaging
{
    /// <param name="objects">Every object of the resource at <paramref name="resourceVersion"/>, in any order.</param>
    /// <param name="startsAt">Whether an object is at or after the page's start key; null: from the first.</param>
    /// <param name="limit">Most items in the page; null: all.</param>
    public static ListPage Page(IEnumerable<StoredObject> objects, string? ns, Func<StoredObject, bool> filter, Func<StoredObject, bool>? startsAt, int? limit, long resourceVersion)
    {
        var matches = objects
            .Where(o => (ns is null || o.Namespace == ns) && (startsAt is null || startsAt(o)) && filter(o))
            .OrderBy(o => o.Namespace, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal)
            .ToList();
        if (limit is not { } max || matches.Count <= max)
        {
            return new ListPage(matches, resourceVersion, false, 0);
        }

        return new ListPage(matches.GetRange(0, max), resourceVersion, true, matches.Count - max);
    }
}
