using Microsoft.Extensions.Hosting;

namespace NumaOperator.ApiServer;

/// <summary>
/// The server lives inside someone else's process: it must not take over SIGINT/SIGTERM as the default console
/// lifetime does; the host process decides when to stop it.
/// </summary>
public sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
