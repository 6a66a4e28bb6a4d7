using System.Net.WebSockets;

namespace NumaOperator.Cli.Attaching;

/// <summary>How an attached console session ended.</summary>
public enum AttachmentEnd
{
    /// <summary>The user pressed the detach key (or stdin ended): the VM runs on. Exit 0.</summary>
    Detached,

    /// <summary>The agent closed the session: the VM stopped, or the agent went away. Exit 1.</summary>
    ClosedByAgent,
}

/// <summary>
/// One console session: stdin to the guest's serial port until the detach key, the serial port's output to stdout.
/// Works the same on a terminal (raw mode, see <see cref="TerminalRawMode"/>) and on pipes (scripts, tests).
/// </summary>
public static class ConsoleAttachment
{
    public static async Task<(AttachmentEnd End, string? Reason)> RunAsync(WebSocket socket, Stream input, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var toGuest = InputToGuestAsync(input, socket, stop.Token);
        var fromGuest = GuestToOutputAsync(socket, output, stop.Token);
        var first = await Task.WhenAny(toGuest, fromGuest);
        if (first == toGuest && toGuest.IsCompletedSuccessfully)
        {
            using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "detached", closing.Token);

                // Whatever the guest printed before the agent saw the close still reaches stdout.
                await fromGuest.WaitAsync(closing.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException)
            {
            }

            await stop.CancelAsync();
            return (AttachmentEnd.Detached, null);
        }

        await fromGuest.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
        await stop.CancelAsync();
        return (AttachmentEnd.ClosedByAgent, socket.CloseStatusDescription is { Length: > 0 } reason ? reason : "the connection to the agent ended");
    }

    /// <summary>Copies input to the guest until the detach key or the end of input (both detach).</summary>
    private static async Task InputToGuestAsync(Stream input, WebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[1024];
        while (true)
        {
            // A read of stdin cannot be cancelled on Linux; WaitAsync lets the session end without it.
            var read = await input.ReadAsync(buffer, ct).AsTask().WaitAsync(ct);
            if (read == 0)
            {
                return;
            }

            var (forward, detach) = DetachKey.Scan(buffer.AsSpan(0, read));
            if (forward > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, forward), WebSocketMessageType.Binary, endOfMessage: true, ct);
            }

            if (detach)
            {
                return;
            }
        }
    }

    private static async Task GuestToOutputAsync(WebSocket socket, Stream output, CancellationToken ct)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, ct);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                await output.WriteAsync(buffer.AsMemory(0, received.Count), ct);
                await output.FlushAsync(ct);
            }
        }
        catch (WebSocketException)
        {
        }
    }
}
