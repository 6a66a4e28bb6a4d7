namespace NumaOperator.ApiServer.Http.Handlers;

/// <summary>PUT of one object or its /status (kube-apiserver endpoints/handlers/update.go), with resourceVersion precondition.</summary>
public static class UpdateResource
{
    public static async Task HandleAsync(RequestScope scope, ResourceRequest request)
    {
        var body = await scope.Decoder.ReadObjectAsync(request.Kind, request.Context, request.Options);
        var updated = scope.Operations.Update(request.Kind, request.Namespace!, request.Name, body, request.StatusOnly, request.Options);
        await ResponseWriter.WriteObjectAsync(scope, request.Context, 200, request.Kind, updated);
    }
}
