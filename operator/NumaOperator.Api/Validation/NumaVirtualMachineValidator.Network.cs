using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NumaOperator.Api.Networking;
using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Api.Validation;

/// <summary>spec.interfaces: names, MACs, exactly one backend each, forwards in range and never twice on one host socket.</summary>
public static partial class NumaVirtualMachineValidator
{
    public const int MaxInterfaces = 16;
    public const int MaxPortForwards = 32;
    public const int MaxBridgeNameLength = 15;

    public static IReadOnlyList<string> ForwardProtocols { get; } = ["TCP", "UDP"];

    /// <summary>Where a forward listens when spec.interfaces[].userNetwork.portForwards[].hostAddress is omitted.</summary>
    public const string DefaultForwardHostAddress = "127.0.0.1";

    private static void ValidateInterfaces(IList<InterfaceSpec>? interfaces, List<FieldError> errors)
    {
        if (interfaces is null)
        {
            return;
        }

        if (interfaces.Count > MaxInterfaces)
        {
            errors.Add(FieldError.TooMany("spec.interfaces", interfaces.Count, MaxInterfaces));
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var sockets = new Dictionary<(string Protocol, int Port), List<(IPAddress Address, string Path)>>();
        for (var i = 0; i < interfaces.Count; i++)
        {
            var path = $"spec.interfaces[{i.ToString(CultureInfo.InvariantCulture)}]";
            var nic = interfaces[i];
            if (nic is null)
            {
                errors.Add(FieldError.Required(path, "an interface needs a name and userNetwork or bridge"));
                continue;
            }

            ValidateInterfaceName(path + ".name", nic.Name, names, errors);
            ValidateMac(path + ".macAddress", nic.MacAddress, errors);
            if ((nic.UserNetwork is null) == (nic.Bridge is null))
            {
                errors.Add(FieldError.Invalid(path, nic.Name, "exactly one of userNetwork or bridge must be set"));
            }

            if (nic.Bridge is { } bridge)
            {
                ValidateBridgeName(path + ".bridge.name", bridge.Name, errors);
            }

            if (nic.UserNetwork?.PortForwards is { } forwards)
            {
                ValidateForwards(path + ".userNetwork.portForwards", forwards, sockets, errors);
            }
        }
    }

    private static void ValidateInterfaceName(string path, string? name, HashSet<string> seen, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(FieldError.Required(path, "a DNS label, unique in the VM (e.g. default, lan)"));
        }
        else if (!LabelValidation.IsDnsLabel(name))
        {
            errors.Add(FieldError.Invalid(path, name, "must be a DNS label: at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit"));
        }
        else if (!seen.Add(name))
        {
            errors.Add(FieldError.Invalid(path, name, "must be unique: another interface of this VM has the same name"));
        }
    }

    private static void ValidateMac(string path, string? mac, List<FieldError> errors)
    {
        if (mac is null)
        {
            return;
        }

        if (MacAddress.Parse(mac) is not { } octets)
        {
            errors.Add(FieldError.Invalid(path, mac, "must be six hex octets separated by ':' (e.g. 52:54:00:12:34:56); omit it for a generated address"));
        }
        else if (MacAddress.UnicastProblem(octets) is { } problem)
        {
            errors.Add(FieldError.Invalid(path, mac, problem));
        }
    }

    private static void ValidateBridgeName(string path, string? name, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(FieldError.Required(path, "the name of a Linux bridge on the node, e.g. br0"));
        }
        else if (name.Length > MaxBridgeNameLength)
        {
            errors.Add(FieldError.TooLong(path, name, MaxBridgeNameLength));
        }
        else if (!BridgeName().IsMatch(name))
        {
            errors.Add(FieldError.Invalid(path, name, "must be a Linux interface name: 1-15 characters of [A-Za-z0-9_.-], not starting with '.' or '-'"));
        }
    }

    /// <summary>
    /// Each forward: protocol, ports in range, an IPv4 host address; no two on the same (protocol, host port, host
    /// address), where 0.0.0.0 takes the port on every address. Forwards without a host port get distinct free ports.
    /// </summary>
    private static void ValidateForwards(
        string path,
        IList<PortForwardSpec> forwards,
        Dictionary<(string Protocol, int Port), List<(IPAddress Address, string Path)>> sockets,
        List<FieldError> errors)
    {
        if (forwards.Count > MaxPortForwards)
        {
            errors.Add(FieldError.TooMany(path, forwards.Count, MaxPortForwards));
        }

        for (var j = 0; j < forwards.Count; j++)
        {
            var at = $"{path}[{j.ToString(CultureInfo.InvariantCulture)}]";
            var forward = forwards[j];
            if (forward is null)
            {
                errors.Add(FieldError.Required(at, "a forward needs a guestPort"));
                continue;
            }

            if (forward.Name is { } name && !LabelValidation.IsDnsLabel(name))
            {
                errors.Add(FieldError.Invalid(at + ".name", name, "must be a DNS label: at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit"));
            }

            var protocol = forward.Protocol ?? "TCP";
            if (!ForwardProtocols.Contains(protocol))
            {
                errors.Add(FieldError.NotSupported(at + ".protocol", protocol, ForwardProtocols));
            }

            if (forward.GuestPort is < 1 or > 65535)
            {
                errors.Add(FieldError.Invalid(at + ".guestPort", forward.GuestPort, "must be between 1 and 65535"));
            }

            var address = ParseHostAddress(at + ".hostAddress", forward.HostAddress, errors);
            if (forward.HostPort is not { } port)
            {
                continue;
            }

            if (port is < 1 or > 65535)
            {
                errors.Add(FieldError.Invalid(at + ".hostPort", port, "must be between 1 and 65535; omit it to let the agent pick a free port"));
            }
            else if (address is not null)
            {
                CheckSocketUnique(at + ".hostPort", (protocol, port), address, sockets, errors);
            }
        }
    }

    private static IPAddress? ParseHostAddress(string path, string? text, List<FieldError> errors)
    {
        text ??= DefaultForwardHostAddress;
        if (IPv4Literal().IsMatch(text) && IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetwork)
        {
            return address;
        }

        errors.Add(FieldError.Invalid(path, text, "must be an IPv4 address of the host, e.g. 127.0.0.1 (default) or 0.0.0.0 for every address"));
        return null;
    }

    private static void CheckSocketUnique(
        string path,
        (string Protocol, int Port) key,
        IPAddress address,
        Dictionary<(string Protocol, int Port), List<(IPAddress Address, string Path)>> sockets,
        List<FieldError> errors)
    {
        if (!sockets.TryGetValue(key, out var taken))
        {
            sockets[key] = taken = [];
        }

        var clash = taken.FirstOrDefault(t => t.Address.Equals(address) || t.Address.Equals(IPAddress.Any) || address.Equals(IPAddress.Any));
        if (clash.Path is not null)
        {
            errors.Add(FieldError.Invalid(
                path,
                key.Port,
                $"duplicate forward: {clash.Path} already listens on {key.Protocol} {clash.Address}:{key.Port.ToString(CultureInfo.InvariantCulture)} (0.0.0.0 covers every address)"));
            return;
        }

        taken.Add((address, path));
    }

    /// <summary>A Linux interface name as the CRD's pattern says: at most 15 characters, none of '/', ':' or whitespace.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex BridgeName();

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9]{1,3}(\\.[0-9]{1,3}){3}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex IPv4Literal();
}
