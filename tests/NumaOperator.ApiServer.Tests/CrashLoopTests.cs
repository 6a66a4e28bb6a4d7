using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using NumaOperator.Tests.Shared;

namespace NumaOperator.ApiServer.Tests;

/// <summary>
/// Durability of an acknowledged write: `numa-operator api-server` on one data dir is started, written to by four
/// clients (creates, and counter updates), and killed with SIGKILL at a random point — during the writes, or during
/// start-up (WAL recovery, seeding); each restart must show every acknowledged write. NUMAOP_CRASH_KILLS sets the
/// number of kill points (default 30 for CI; docs/reliability.md has a full run of 1,000), NUMAOP_CRASH_SEED the seed.
/// </summary>
public sealed class CrashLoopTests
{
    private const int Writers = 4;

    [Fact]
    public async Task Every_acknowledged_write_survives_kill_9_at_random_points()
    {
        var kills = int.TryParse(Environment.GetEnvironmentVariable("NUMAOP_CRASH_KILLS"), out var k) ? k : 30;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("NUMAOP_CRASH_SEED"), out var s) ? s : 22;
        var random = new Random(seed);
        var root = TestServer.TempDir();
        var data = Path.Combine(root, "data");
        var ledger = new AcknowledgedWrites();
        var clock = Stopwatch.StartNew();
        var startup = TimeSpan.FromSeconds(1);
        var (duringStart, duringWrites) = (0, 0);
        try
        {
            for (var life = 0; life < kills; life++)
            {
                using var server = ApiServerProcess.Start(data);
                var started = Stopwatch.StartNew();
                if (random.NextDouble() < 0.25)
                {
                    // Somewhere in start-up: opening and recovering the database, seeding, binding.
                    await Task.Delay(TimeSpan.FromMilliseconds(random.NextDouble() * startup.TotalMilliseconds));
                    if (!server.Serving.IsCompleted)
                    {
                        await server.KillAsync();
                        duringStart++;
                        continue;
                    }
                }

                var address = await server.Serving.WaitAsync(TimeSpan.FromSeconds(60));
                startup = started.Elapsed;
                using var api = Client(data, address);
                await ledger.VerifyAsync(api, $"restart {life} (seed {seed})");
                using var stop = new CancellationTokenSource();
                var writing = Enumerable.Range(0, Writers).Select(w => ledger.WriteAsync(api, life, w, stop.Token)).ToList();
                await Task.Delay(TimeSpan.FromMilliseconds(50 + (random.NextDouble() * 350)));
                await server.KillAsync();
                duringWrites++;
                await stop.CancelAsync();
                await Task.WhenAll(writing);
            }

            using var last = ApiServerProcess.Start(data);
            using var final = Client(data, await last.Serving.WaitAsync(TimeSpan.FromSeconds(60)));
            await ledger.VerifyAsync(final, $"the final restart (seed {seed})");
            Console.WriteLine($"crash loop: {kills} SIGKILLs ({duringStart} during start-up, {duringWrites} during writes), {ledger.Creates} acknowledged creates and {ledger.Updates} acknowledged updates all present after every restart, {clock.Elapsed.TotalSeconds:F0} s");
            Assert.True(ledger.Creates > kills, $"only {ledger.Creates} writes were acknowledged in {kills} lives: the test wrote too little to say anything");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A client that trusts the data dir's CA and sends its token, as the kubeconfig would.</summary>
    private static HttpClient Client(string data, Uri address)
    {
        var authority = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(data, "ca.crt"));
        var client = new HttpClient(PrivateCa.Handler(authority)) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(data, "token")).Trim());
        return client;
    }

    /// <summary>What the server acknowledged (a 2xx response read in full), and the check that a restarted server still has it.</summary>
    private sealed class AcknowledgedWrites
    {
        private readonly Lock gate = new();
        private readonly Dictionary<string, string> created = [];
        private readonly long[] counter = new long[Writers];
        private long highestVersion;

        public int Creates { get; private set; }

        public int Updates { get; private set; }

        /// <summary>Creates a Lease and bumps this writer's counter Lease, alternately, until stopped or the server is gone.</summary>
        public async Task WriteAsync(HttpClient api, int life, int writer, CancellationToken stop)
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                try
                {
                    var name = $"c-{life}-{writer}-{n}";
                    using var create = await api.PostAsync(RawApi.Leases, Json(RawApi.Lease(name, holder: name)), stop);
                    if (create.StatusCode != HttpStatusCode.Created)
                    {
                        throw new InvalidOperationException($"create {name}: {(int)create.StatusCode} {await create.Content.ReadAsStringAsync(stop)}");
                    }

                    Acknowledge(await create.Content.ReadAsStringAsync(stop), () => { created[name] = name; Creates++; });
                    var next = counter[writer] + 1;
                    var counterJson = $$$"""{"metadata":{"name":"counter-{{{writer}}}"},"spec":{"leaseTransitions":{{{next}}}}}""";
                    var bump = new HttpRequestMessage(HttpMethod.Patch, RawApi.Leases + $"/counter-{writer}") { Content = new StringContent(counterJson, Encoding.UTF8, "application/merge-patch+json") };
                    var update = await api.SendAsync(bump, stop);
                    if (update.StatusCode == HttpStatusCode.NotFound)
                    {
                        update.Dispose();
                        update = await api.PostAsync(RawApi.Leases, Json(counterJson), stop);
                    }

                    using (update)
                    {
                        if (update.IsSuccessStatusCode)
                        {
                            Acknowledge(await update.Content.ReadAsStringAsync(stop), () => { counter[writer] = next; Updates++; });
                        }
                    }
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                {
                    // The server was killed mid-request: the outcome is unknown, and the test does not count it.
                    return;
                }
            }
        }

        /// <summary>Every acknowledged create is there with its content; every counter is at least its last acknowledged value.</summary>
        public async Task VerifyAsync(HttpClient api, string when)
        {
            using var response = await api.GetAsync(RawApi.Leases);
            var list = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            var stored = list["items"]!.AsArray().ToDictionary(i => i!["metadata"]!["name"]!.GetValue<string>(), i => i!["spec"]!);
            var listVersion = long.Parse(list["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            lock (gate)
            {
                var missing = created.Keys.Where(name => !stored.TryGetValue(name, out var spec) || spec["holderIdentity"]?.GetValue<string>() != created[name]).ToList();
                Assert.True(missing.Count == 0, $"after {when}: {missing.Count} acknowledged creates lost or changed, e.g. {string.Join(", ", missing.Take(5))}");
                for (var w = 0; w < Writers; w++)
                {
                    var value = stored.TryGetValue($"counter-{w}", out var spec) ? spec["leaseTransitions"]?.GetValue<long>() ?? 0 : 0;
                    Assert.True(value >= counter[w], $"after {when}: counter-{w} is {value}, but {counter[w]} was acknowledged");
                    counter[w] = value;
                }

                Assert.True(listVersion >= highestVersion, $"after {when}: resourceVersion {listVersion} went back below the acknowledged {highestVersion}");
            }
        }

        private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

        private void Acknowledge(string body, Action record)
        {
            var version = long.Parse(JsonNode.Parse(body)!["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            lock (gate)
            {
                record();
                highestVersion = Math.Max(highestVersion, version);
            }
        }
    }
}
