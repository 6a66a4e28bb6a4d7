using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace NumaOperator.Qemu.Qmp;

/// <summary>
/// A small QMP client over QEMU's unix control socket: reads the greeting, negotiates capabilities, then runs one
/// command at a time with an id and waits for the reply carrying that id. Asynchronous events that arrive in
/// between are kept in <see cref="Events"/> (the supervisor looks for SHUTDOWN), never mistaken for replies.
/// </summary>
public sealed class QmpClient : IAsyncDisposable, IDisposable
{
    private readonly IDisposable? _owner;
    private readonly Stream _output;
    private readonly StreamReader _reader;
    private readonly List<JsonObject> _events = [];

    /// <summary>One command at a time: the agent's sampler and its migration driver may talk to one QEMU at once.</summary>
    private readonly SemaphoreSlim _turn = new(1, 1);
    private long _nextId;

    private QmpClient(Stream input, Stream output, IDisposable? owner)
    {
        _owner = owner;
        _output = output;
        _reader = new StreamReader(input, new UTF8Encoding(false));
    }

    /// <summary>The greeting's QMP.version.qemu, e.g. {"major":7,"minor":2,"micro":22}.</summary>
    public JsonObject? Version { get; private set; }

    public IReadOnlyList<JsonObject> Events => _events;

    /// <summary>Connects, reads the greeting and leaves capabilities negotiation mode.</summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var stream = new NetworkStream(socket, ownsSocket: true);
        return await NegotiateAsync(new QmpClient(stream, stream, stream), socketPath, ct);
    }

    /// <summary>QMP over a pair of streams, e.g. the stdout and stdin of a QEMU started with -qmp stdio (the capability probe).</summary>
    /// <param name="source">Names the peer in error messages.</param>
    public static Task<QmpClient> OpenAsync(Stream fromQemu, Stream toQemu, string source, CancellationToken ct) =>
        NegotiateAsync(new QmpClient(fromQemu, toQemu, null), source, ct);

    private static async Task<QmpClient> NegotiateAsync(QmpClient client, string source, CancellationToken ct)
    {
        try
        {
            var greeting = await client.ReadMessageAsync(ct);
            if (greeting["QMP"] is not JsonObject qmp)
            {
                throw new QmpException($"{source} did not greet with a QMP banner: {greeting.ToJsonString()}");
            }

            client.Version = qmp["version"]?["qemu"] as JsonObject;
            await client.ExecuteAsync("qmp_capabilities", null, ct);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a command and returns its "return" value.</summary>
    /// <exception cref="QmpException">QEMU answered with "error" (class and description in the message), or closed the socket.</exception>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments, CancellationToken ct)
    {
        await _turn.WaitAsync(ct);
        try
        {
            return await ExecuteAloneAsync(command, arguments, ct);
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task<JsonNode?> ExecuteAloneAsync(string command, JsonObject? arguments, CancellationToken ct)
    {
        var id = "numaop-" + Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        var request = new JsonObject { ["execute"] = command, ["id"] = id };
        if (arguments is not null)
        {
            request["arguments"] = arguments;
        }

        var bytes = Encoding.UTF8.GetBytes(request.ToJsonString() + "\n");
        await _output.WriteAsync(bytes, ct);
        await _output.FlushAsync(ct);
        while (true)
        {
            var message = await ReadMessageAsync(ct);
            if (message.ContainsKey("event"))
            {
                _events.Add(message);
                continue;
            }

            if (message["id"]?.GetValue<string>() != id)
            {
                continue; // a reply to someone else's id cannot happen on our own socket; skip defensively
            }

            if (message["error"] is JsonObject error)
            {
                throw new QmpException($"QMP {command} failed: {error["class"]}: {error["desc"]}");
            }

            return message["return"];
        }
    }

    /// <summary>
    /// After QEMU exited: reads what it sent before it went (buffered in the socket) until the socket closes or
    /// <paramref name="timeout"/> passes, keeping the events in <see cref="Events"/>. A QEMU that exits after a guest
    /// poweroff sends SHUTDOWN first; one killed by a signal sends nothing.
    /// </summary>
    public async Task DrainEventsAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var message = await ReadMessageAsync(cts.Token);
                if (message.ContainsKey("event"))
                {
                    _events.Add(message);
                }
            }
        }
        catch (Exception e) when (e is QmpException or OperationCanceledException or IOException or ObjectDisposedException or System.Text.Json.JsonException)
        {
            // closed, timed out or already disposed: the events read so far are all there is
        }
    }

    /// <summary>Whether the events hold QEMU's SHUTDOWN for the guest's own poweroff (reason guest-shutdown).</summary>
    public static bool HasGuestShutdown(IEnumerable<JsonObject> events) =>
        events.Any(e => e["event"]?.GetValue<string>() == "SHUTDOWN" && e["data"]?["reason"]?.GetValue<string>() == "guest-shutdown");

    /// <summary>Closes the socket; streams handed to <see cref="OpenAsync"/> belong to their process and are left open.</summary>
    public void Dispose()
    {
        if (_owner is not null)
        {
            _reader.Dispose();
            _owner.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<JsonObject> ReadMessageAsync(CancellationToken ct)
    {
        while (true)
        {
            var line = await _reader.ReadLineAsync(ct) ?? throw new QmpException("QEMU closed the QMP socket");
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            return JsonNode.Parse(line) as JsonObject ?? throw new QmpException($"QMP sent a non-object: {line}");
        }
    }
}

/// <summary>A QMP error reply or a broken QMP conversation.</summary>
public sealed class QmpException : Exception
{
    public QmpException()
    {
    }

    public QmpException(string message)
        : base(message)
    {
    }

    public QmpException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
