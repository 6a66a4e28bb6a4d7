using System.Globalization;
using System.Text.RegularExpressions;

namespace NumaOperator.Qemu.Measurement;

/// <summary>One RAM range of QEMU's flat guest-physical memory map: memory region <paramref name="Name"/> at <paramref name="GuestPhysical"/>, starting <paramref name="Offset"/> bytes into the region.</summary>
public sealed record GuestPhysicalRange(string Name, ulong GuestPhysical, ulong LastGuestPhysical, ulong Offset);

/// <summary>
/// Parses the two HMP answers that locate a backend in QEMU's address space (QEMU 7.2 has no host address in
/// x-query-ramblock; both commands exist from 2.10 on): "info mtree -f" (where each RAM region sits in guest-physical
/// memory; a region split by a hole shows "@offset" on its later pieces) and "gpa2hva ADDR" ("Host virtual address
/// for 0x4000000 (mem1) is 0x7f28c3c00000"). Pure.
/// </summary>
public static partial class QemuMemoryMap
{
    /// <summary>Every "ram" range of every flat view, e.g. "  0000000004000000-0000000007ffffff (prio 0, ram): mem1".</summary>
    public static IReadOnlyList<GuestPhysicalRange> ParseFlatView(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ranges = new List<GuestPhysicalRange>();
        foreach (var line in text.Split('\n'))
        {
            var match = FlatViewLine().Match(line.TrimEnd('\r'));
            if (!match.Success)
            {
                continue;
            }

            var offset = match.Groups["offset"].Success ? Hex(match.Groups["offset"].Value) : 0UL;
            ranges.Add(new GuestPhysicalRange(match.Groups["name"].Value, Hex(match.Groups["start"].Value), Hex(match.Groups["end"].Value), offset));
        }

        return ranges;
    }

    /// <summary>The region name and host address of a gpa2hva answer.</summary>
    /// <exception cref="FormatException">Not a gpa2hva answer (QEMU says why, e.g. "No memory is mapped at address 0x...").</exception>
    public static (string Region, ulong HostAddress) ParseGpa2Hva(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Gpa2HvaAnswer().Match(text);
        return match.Success
            ? (match.Groups["name"].Value, Hex(match.Groups["hva"].Value))
            : throw new FormatException($"gpa2hva: expected \"Host virtual address for 0x... (REGION) is 0x...\", got \"{text.Trim()}\"");
    }

    private static ulong Hex(string digits) => ulong.Parse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\s*(?<start>[0-9a-f]+)-(?<end>[0-9a-f]+) \(prio -?\d+, ram\): (?<name>\S+)(?: @(?<offset>[0-9a-f]+))?", RegexOptions.CultureInvariant)]
    private static partial Regex FlatViewLine();

    [GeneratedRegex(@"Host virtual address for 0x[0-9a-f]+ \((?<name>[^)]*)\) is 0x(?<hva>[0-9a-f]+)", RegexOptions.CultureInvariant)]
    private static partial Regex Gpa2HvaAnswer();
}
