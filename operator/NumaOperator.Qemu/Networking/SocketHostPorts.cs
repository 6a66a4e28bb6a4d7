using System.Net;
using System.Net.Sockets;

namespace NumaOperator.Qemu.Networking;

/// <summary>Host ports probed by binding a socket, as QEMU will: a bind that fails means the forward cannot listen.</summary>
public sealed class SocketHostPorts : IHostPorts
{
    public bool IsFree(string protocol, string address, int port)
    {
        try
        {
            using var socket = Bind(protocol, address, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public IReadOnlyList<int> PickFree(IReadOnlyList<(string Protocol, string Address)> sockets)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        var held = new List<Socket>();
        try
        {
            foreach (var (protocol, address) in sockets)
            {
                held.Add(Bind(protocol, address, 0));
            }

            return [.. held.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port)];
        }
        finally
        {
            held.ForEach(s => s.Dispose());
        }
    }

    private static Socket Bind(string protocol, string address, int port)
    {
        var udp = protocol == "UDP";
        var socket = new Socket(AddressFamily.InterNetwork, udp ? SocketType.Dgram : SocketType.Stream, udp ? ProtocolType.Udp : ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(address), port));
            if (!udp)
            {
                socket.Listen(1);
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
