namespace NumaOperator.ApiServer.Http.Handlers;

/// <summary>POST to a collection (kube-apiserver endpoints/handlers/create.go): 201 with the stored object, 200 under dryRun.</summary>
public static class CreateResource
{
    public static async Task HandleAsync(RequestScope scope, ResourceRequest request)
    {
        var body = await scope.Decoder.ReadCreateBodyAsync(request.Kind, request.Context, request.Options);
        var created = scope.Operations.Create(request.Kind, request.Namespace!, body, request.Options);
        await ResponseWriter.WriteObjectAsync(scope, request.Context, request.Options.DryRun ? 200 : 201, request.Kind, created);
    }
}
