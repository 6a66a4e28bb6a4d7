using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Cli.Explaining;
using NumaOperator.Cli.Rendering;

namespace NumaOperator.Cli.Migrating;

/// <summary>
/// Follows a migration to its end, reading it every poll interval, and draws its progress: on a terminal one line
/// redrawn in place, otherwise a line per phase change or 10% (<see cref="MigrationProgressText.WorthALine"/>).
/// </summary>
public static class MigrationFollower
{
    /// <returns>The migration in its terminal phase.</returns>
    /// <exception cref="ExplainFailedException">It did not end within <paramref name="limit"/>, or it was deleted.</exception>
    public static async Task<NumaVirtualMachineMigration> FollowAsync(
        MigrationApi api, NumaVirtualMachineMigration created, TimeSpan interval, TimeSpan limit, TextWriter progress, bool terminal, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(created);
        ArgumentNullException.ThrowIfNull(progress);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(limit);
        NumaVirtualMachineMigration? printed = null;
        var current = created;
        try
        {
            while (true)
            {
                current = await api.ReadAsync(created.Metadata.NamespaceProperty, created.Metadata.Name, deadline.Token);
                if (terminal)
                {
                    await progress.WriteAsync("\r\u001b[K" + MigrationProgressText.Line(current));
                }
                else if (MigrationProgressText.WorthALine(printed, current))
                {
                    await progress.WriteLineAsync(MigrationProgressText.Line(current));
                    printed = current;
                }

                if (MigrationPhases.IsTerminal(current.Status?.Phase))
                {
                    break;
                }

                await Task.Delay(interval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ExplainFailedException(
                $"{current.Key} did not end within {limit.TotalSeconds:0} s (phase {MigrationPhases.Of(current.Status?.Phase)}); it goes on: kubectl get {NumaVirtualMachineMigration.Plural} -n {current.Metadata.NamespaceProperty} {current.Metadata.Name}");
        }
        finally
        {
            if (terminal)
            {
                await progress.WriteLineAsync();
            }
        }

        return current;
    }
}
