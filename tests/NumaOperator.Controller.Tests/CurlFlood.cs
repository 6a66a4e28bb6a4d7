using System.Diagnostics;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ApiServer;

namespace NumaOperator.Controller.Tests;

/// <summary>
/// A noisy client in its own process, as one would be: curl looping LIST of every NumaVirtualMachine on
/// <c>clients</c> parallel HTTP/1.1 connections with the kubeconfig token (curl --parallel, URL globbing for the
/// loop), counting answers by status code. Keeps the flood's own CPU out of the measured process.
/// </summary>
internal sealed class CurlFlood : IAsyncDisposable
{
    private readonly Process curl;
    private readonly string caFile = Path.GetTempFileName();
    private readonly Task reading;
    private long ok;
    private long tooMany;
    private long other;

    public CurlFlood(EmbeddedApiServer server, int clients)
    {
        File.WriteAllText(caFile, server.CertificateAuthorityPem);
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            "--silent", "--http1.1", "--parallel", "--parallel-immediate", "--parallel-max", clients.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cacert", caFile, "-H", "Authorization: Bearer " + server.Token, "-o", "/dev/null", "-w", "%{http_code}\\n",
            $"{server.BaseAddress}apis/{ApiGroup.Group}/{ApiGroup.Version}/namespaces/default/{NumaVirtualMachine.Plural}?flood=[1-10000000]",
        })
        {
            start.ArgumentList.Add(arg);
        }

        curl = Process.Start(start) ?? throw new InvalidOperationException("curl did not start");
        reading = Task.Run(CountAsync);
    }

    public long Ok => Interlocked.Read(ref ok);

    public long TooManyRequests => Interlocked.Read(ref tooMany);

    public long Other => Interlocked.Read(ref other);

    public async ValueTask DisposeAsync()
    {
        curl.Kill();
        await curl.WaitForExitAsync();
        await reading.ContinueWith(_ => { }, TaskScheduler.Default);
        curl.Dispose();
        File.Delete(caFile);
    }

    private async Task CountAsync()
    {
        while (await curl.StandardOutput.ReadLineAsync() is { } code)
        {
            Interlocked.Increment(ref code == "200" ? ref ok : ref code == "429" ? ref tooMany : ref other);
        }
    }
}
