using System.Globalization;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Cli.Explaining;

/// <summary>One NIC of status.interfaces as explain shows it.</summary>
/// <param name="Attachment">"user-mode network" or "tap TAP on bridge BRIDGE".</param>
public sealed record InterfaceView(string Name, string MacAddress, string Attachment, IReadOnlyList<ForwardView> Forwards);

/// <param name="Host">Where the forward listens on the host, ADDRESS:PORT.</param>
public sealed record ForwardView(string? Name, string Protocol, string Host, int GuestPort);

/// <summary>status.interfaces → views, and the text row of one (the host address:port of every forward first).</summary>
public static class InterfaceViews
{
    public static IReadOnlyList<InterfaceView> Of(IList<InterfaceStatus>? interfaces) =>
        interfaces is null
            ? []
            : [.. interfaces.Select(i => new InterfaceView(
                i.Name,
                i.MacAddress,
                i.Tap is { } tap ? $"tap {tap} on bridge {i.Bridge}" : "user-mode network",
                [.. (i.PortForwards ?? []).Select(f => new ForwardView(f.Name, f.Protocol, string.Create(CultureInfo.InvariantCulture, $"{f.HostAddress}:{f.HostPort}"), f.GuestPort))]))];

    public static string[] Row(InterfaceView i) =>
    [
        i.Name,
        i.MacAddress,
        i.Attachment,
        i.Forwards.Count == 0
            ? "-"
            : string.Join(", ", i.Forwards.Select(f => string.Create(CultureInfo.InvariantCulture, $"{(f.Name is null ? string.Empty : f.Name + " ")}{f.Protocol} {f.Host} -> {f.GuestPort}"))),
    ];
}
