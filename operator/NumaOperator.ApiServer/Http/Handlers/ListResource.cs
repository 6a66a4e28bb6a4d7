using NumaOperator.ApiServer.Http.Decoding;
using NumaOperator.ApiServer.Http.Paging;
using NumaOperator.ApiServer.Storage;

namespace NumaOperator.ApiServer.Http.Handlers;

/// <summary>
/// GET of a collection (kube-apiserver endpoints/handlers/get.go ListResource), filtered by selectors, as a list or
/// a Table. With limit=N a page of at most N items and a continue token; every page of one list is consistent at the
/// first page's resourceVersion. A token older than the watch history is 410 Expired with a token that continues
/// at the current state, as the real server answers after an etcd compaction.
/// </summary>
public static class ListResource
{
    /// <summary>The message of the real server's expired continue token (etcd3 store, compactedContinue).</summary>
    public const string ExpiredMessage = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

    public static async Task HandleAsync(RequestScope scope, ResourceRequest request)
    {
        var query = request.Request.Query;
        var selectors = QueryOptions.SelectorsOf(query, scope.Limits);
        var (limit, continueText) = QueryOptions.PagingOf(query);
        var start = Decode(continueText, request.Kind.Namespaced);
        ListPage page;
        try
        {
            page = scope.Store.ListPage(request.Kind.StorageKey, request.Namespace, selectors.Matches, start is { ResourceVersion: > 0 } ? start.ResourceVersion : null, start is null ? null : o => start.Includes(o.Namespace, o.Name), limit);
        }
        catch (ResourceVersionTooOldException)
        {
            throw new ApiStatusException(410, "Expired", ExpiredMessage) { Continue = (start! with { ResourceVersion = -1 }).Encode() };
        }

        var last = page.HasMore ? page.Items[^1] : null;
        var metadata = ResponseWriter.ListMetadata(
            page.ResourceVersion,
            last is null ? null : ContinueToken.After(page.ResourceVersion, last.Namespace, last.Name),
            last is not null && selectors.Empty ? page.Remaining : null);
        if (QueryOptions.WantsTable(request.Request))
        {
            var table = scope.Tables.Convert(request.Kind, page.Items.Select(ResourceOperations.Parse), string.Empty, QueryOptions.IncludeObject(request.Request));
            table["metadata"] = metadata;
            await ResponseWriter.WriteJsonAsync(request.Context, 200, table);
            return;
        }

        await ResponseWriter.WriteListAsync(request.Context, request.Kind, page.Items, metadata);
    }

    private static ContinueToken? Decode(string? continueText, bool namespaced)
    {
        try
        {
            return continueText is null ? null : ContinueToken.Decode(continueText, namespaced);
        }
        catch (FormatException e)
        {
            throw ApiStatusException.BadRequest($"invalid continue token: {e.Message}");
        }
    }
}
