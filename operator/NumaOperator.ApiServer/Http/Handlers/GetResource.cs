namespace NumaOperator.ApiServer.Http.Handlers;

/// <summary>GET of one object (kube-apiserver endpoints/handlers/get.go).</summary>
public static class GetResource
{
    public static async Task HandleAsync(RequestScope scope, ResourceRequest request)
    {
        var stored = scope.Store.Get(request.Kind.StorageKey, request.Namespace!, request.Name) ?? throw ApiStatusException.NotFound(request.Kind, request.Name);
        await ResponseWriter.WriteObjectAsync(scope, request.Context, 200, request.Kind, ResourceOperations.Parse(stored));
    }
}
