using System.Net.Sockets;
using System.Net.WebSockets;

namespace NumaOperator.Agent.SerialConsole;

/// <summary>How a console session ended.</summary>
public enum ConsoleSessionEnd
{
    /// <summary>The client closed (detached); the VM runs on.</summary>
    ClientClosed,

    /// <summary>QEMU closed the serial socket: the VM stopped.</summary>
    VmClosed,
}

/// <summary>
/// Copies bytes both ways between a client's websocket (binary messages) and the VM's serial socket until either
/// side closes. Closing the websocket tells the client why (1000 detached, 1001 the VM went away).
/// </summary>
public static class ConsoleSession
{
    public static async Task<ConsoleSessionEnd> PumpAsync(WebSocket client, Socket serial, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(serial);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await using var stream = new NetworkStream(serial, ownsSocket: false);
        var toVm = ClientToVmAsync(client, stream, both.Token);
        var fromVm = VmToClientAsync(stream, client, both.Token);
        var first = await Task.WhenAny(toVm, fromVm);
        var end = first == fromVm && await fromVm ? ConsoleSessionEnd.VmClosed : ConsoleSessionEnd.ClientClosed;
        await both.CancelAsync();
        await Task.WhenAll(toVm, fromVm).ContinueWith(_ => { }, TaskScheduler.Default);
        if (client.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            var (status, text) = end == ConsoleSessionEnd.VmClosed
                ? (WebSocketCloseStatus.EndpointUnavailable, "the VM's serial port closed: the VM stopped")
                : (WebSocketCloseStatus.NormalClosure, "detached");
            using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await client.CloseOutputAsync(status, text, closing.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
            {
                // the client is gone already
            }
        }

        return end;
    }

    private static async Task ClientToVmAsync(WebSocket client, Stream serial, CancellationToken ct)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var received = await client.ReceiveAsync(buffer, ct);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                await serial.WriteAsync(buffer.AsMemory(0, received.Count), ct);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
        }
    }

    /// <summary>True when QEMU closed the socket (end of stream), false when the client side failed or was cancelled.</summary>
    private static async Task<bool> VmToClientAsync(Stream serial, WebSocket client, CancellationToken ct)
    {
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await serial.ReadAsync(buffer, ct)) > 0)
            {
                await client.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, endOfMessage: true, ct);
            }

            return true;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }
}
