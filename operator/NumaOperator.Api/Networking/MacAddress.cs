using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace NumaOperator.Api.Networking;

/// <summary>
/// Ethernet MAC addresses of VM interfaces: parsing (what spec.interfaces[].macAddress accepts) and the stable address
/// generated when the spec gives none. Pure.
/// </summary>
public static class MacAddress
{
    /// <summary>The address as six octets, or null when it is not xx:xx:xx:xx:xx:xx hex.</summary>
    public static byte[]? Parse(string? text)
    {
        if (text is not { Length: 17 })
        {
            return null;
        }

        var octets = new byte[6];
        for (var i = 0; i < 6; i++)
        {
            if ((i < 5 && text[(i * 3) + 2] != ':')
                || !byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out octets[i]))
            {
                return null;
            }
        }

        return octets;
    }

    /// <summary>Why the address cannot be a NIC's own address (multicast, all zeros), or null when it can.</summary>
    public static string? UnicastProblem(byte[] octets)
    {
        ArgumentNullException.ThrowIfNull(octets);
        if ((octets[0] & 0x01) != 0)
        {
            return "is a multicast address (the lowest bit of the first octet is set); a NIC needs a unicast address";
        }

        return octets.All(o => o == 0) ? "must not be all zeros" : null;
    }

    /// <summary>
    /// A locally administered unicast address from the VM's uid and the interface name: the same VM gets the same MAC
    /// across restarts and nodes (its guest's DHCP lease and udev names stay), different VMs differ in 46 hashed bits.
    /// </summary>
    public static string Generate(Guid vmUid, string interfaceName)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(vmUid.ToString("D") + "/" + interfaceName));
        hash[0] = (byte)((hash[0] & 0xFC) | 0x02); // unicast (bit 0 clear), locally administered (bit 1 set)
        return Format(hash.AsSpan(0, 6));
    }

    /// <summary>Lowercase, colon separated: the form QEMU and the guest print.</summary>
    public static string Format(ReadOnlySpan<byte> octets)
    {
        var parts = new string[octets.Length];
        for (var i = 0; i < octets.Length; i++)
        {
            parts[i] = octets[i].ToString("x2", CultureInfo.InvariantCulture);
        }

        return string.Join(':', parts);
    }

    /// <summary>The MAC an interface gets: its spec's, normalized to lowercase, or the generated one.</summary>
    public static string For(Guid vmUid, string interfaceName, string? specified) =>
        specified is not null && Parse(specified) is { } octets ? Format(octets) : Generate(vmUid, interfaceName);
}
