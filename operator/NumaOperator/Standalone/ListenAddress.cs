using System.Globalization;
using System.Net;

namespace NumaOperator.Cli.Standalone;

/// <summary>--listen HOST:PORT for the embedded API server (and the agent's --console-listen). Pure.</summary>
public sealed record ListenAddress(string Host, int Port)
{
    public const string Option = "--listen";

    public static ListenAddress Parse(string text, string option = Option)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon].Trim('[', ']') : string.Empty;
        var portText = colon > 0 ? text[(colon + 1)..] : string.Empty;
        if (!IPAddress.TryParse(host, out _))
        {
            throw new BadInputException($"{option} \"{text}\": expected IP:PORT, e.g. 127.0.0.1:6443 (port 0 picks a free one)");
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new BadInputException($"{option} \"{text}\": port \"{portText}\" is not a TCP port; allowed 0 to 65535 (0 picks a free one)");
        }

        return new ListenAddress(host, port);
    }

    public IPEndPoint EndPoint => new(IPAddress.Parse(Host), Port);
}
