using System.Security.Cryptography;
using System.Text;

namespace NumaOperator.Qemu.Networking;

/// <summary>
/// The name and owner mark of the tap of one VM interface. Deterministic, so a restarted agent finds its own taps:
/// "nvm" + 12 hex digits of SHA-256(uid/interface) fits Linux's 15-character IFNAMSIZ; the owner mark goes in the
/// tap's ifalias (ip link set alias), which is how the agent tells its taps from anyone else's. Pure.
/// </summary>
public static class TapNames
{
    public const string Prefix = "nvm";

    /// <summary>The start of every owner mark this agent writes.</summary>
    public const string OwnerPrefix = "numa-operator vm=";

    public const int MaxInterfaceNameLength = 15;

    public static string For(Guid vmUid, string interfaceName)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(vmUid.ToString("D") + "/" + interfaceName));
        return Prefix + Convert.ToHexStringLower(hash, 0, 6);
    }

    /// <summary>The ifalias of a tap owned by <paramref name="vmUid"/>'s interface <paramref name="interfaceName"/>.</summary>
    public static string Owner(Guid vmUid, string interfaceName) => $"{OwnerPrefix}{vmUid:D} interface={interfaceName}";

    /// <summary>The VM uid of an owner mark this agent wrote, or null for any other alias.</summary>
    public static Guid? OwnerUid(string? alias)
    {
        if (alias is null || !alias.StartsWith(OwnerPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = alias[OwnerPrefix.Length..];
        var end = rest.IndexOf(' ', StringComparison.Ordinal);
        return Guid.TryParse(end < 0 ? rest : rest[..end], out var uid) ? uid : null;
    }
}
