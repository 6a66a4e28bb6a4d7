namespace NumaOperator.Qemu.Measurement;

/// <summary>
/// Where QEMU mapped each memory backend in its own address space (backend id → first byte), read from QEMU
/// (<see cref="GuestRamLocator"/>). Ordinary-RAM backends are anonymous mappings with no name in /proc; this is what
/// ties each of them to its guest node. The addresses hold for the life of the process.
/// </summary>
public sealed record GuestRamAddresses(IReadOnlyDictionary<string, ulong> StartByBackend)
{
    public static GuestRamAddresses None { get; } = new(new Dictionary<string, ulong>());
}
