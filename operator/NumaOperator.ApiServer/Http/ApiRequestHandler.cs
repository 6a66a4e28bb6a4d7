using Microsoft.AspNetCore.Http;
using NumaOperator.ApiServer.Faults;
using NumaOperator.ApiServer.Http.Authentication;
using NumaOperator.ApiServer.Http.FlowControl;

namespace NumaOperator.ApiServer.Http;

/// <summary>
/// The filter chain every request passes, in kube-apiserver's order: authentication (401), injected faults (test
/// latency and 500s), routing (404, 405), flow control (a seat, or 429 with Retry-After), then the verb handler.
/// Errors of any kind are answered with a metav1.Status; an oversized body is 413 before it is read.
/// </summary>
public sealed class ApiRequestHandler(BearerTokenAuthenticator authenticator, FaultInjector faults, ApiRouter router, FlowController flow)
{
    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            var identity = authenticator.Authenticate(context.Request.Headers.Authorization.ToString()) ?? throw ApiStatusException.Unauthorized();
            await InjectFaultsAsync(context);
            var route = router.Resolve(context, identity);
            using var seat = route.Exempt
                ? null
                : await flow.AdmitAsync(identity, route.Mutating, context.RequestAborted);
            if (seat is null && !route.Exempt)
            {
                await TooManyRequests.WriteAsync(context.Response);
                return;
            }

            await route.RunAsync(seat ?? NullSeat.Instance);
        }
        catch (ApiStatusException error)
        {
            await ResponseWriter.WriteStatusAsync(context, error);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await ResponseWriter.WriteStatusAsync(context, ApiStatusException.Internal(e.Message));
        }
    }

    private async Task InjectFaultsAsync(HttpContext context)
    {
        if (faults.Latency > TimeSpan.Zero)
        {
            await Task.Delay(faults.Latency, context.RequestAborted);
        }

        if (faults.ShouldFail())
        {
            throw ApiStatusException.Internal("injected fault");
        }
    }

    private sealed class NullSeat : IDisposable
    {
        public static readonly NullSeat Instance = new();

        public void Dispose()
        {
        }
    }
}
