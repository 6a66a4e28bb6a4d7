using System.Buffers.Binary;
using System.Text;

namespace NumaOperator.Qemu.Capabilities;

/// <summary>
/// The initramfs of the kernel boot probe: /dev/console and an /init that prints <see cref="Marker"/> on the
/// console and powers the guest off. /init is a 177-byte static x86-64 ELF built here byte by byte, so the probe
/// needs no busybox, compiler or guest image on the node: only QEMU and a kernel.
/// </summary>
public static class BootProbeInitramfs
{
    /// <summary>The line the guest prints once the kernel has run its init: proof the kernel booted.</summary>
    public const string Marker = "NUMAOP-BOOT-PROBE-OK";

    /// <summary>
    /// /init's code, assembled from:
    /// <code>
    ///   mov eax, 1; mov edi, 1; lea rsi, [rip+msg]; mov edx, 22; syscall          ; write(1, msg, 22)
    ///   mov eax, 169; mov edi, 0xfee1dead; mov esi, 672274793; mov edx, 0x4321fedc ; reboot(..., POWER_OFF)
    ///   syscall
    /// 1: mov eax, 60; xor edi, edi; syscall; jmp 1b                                 ; exit(0) if reboot failed
    /// msg: "\nNUMAOP-BOOT-PROBE-OK\n"
    /// </code>
    /// </summary>
    private static ReadOnlySpan<byte> Code =>
    [
        0xb8, 0x01, 0x00, 0x00, 0x00, 0xbf, 0x01, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x35, 0x28, 0x00, 0x00, 0x00,
        0xba, 0x16, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xb8, 0xa9, 0x00, 0x00, 0x00, 0xbf, 0xad, 0xde, 0xe1, 0xfe,
        0xbe, 0x69, 0x19, 0x12, 0x28, 0xba, 0xdc, 0xfe, 0x21, 0x43, 0x0f, 0x05, 0xb8, 0x3c, 0x00, 0x00, 0x00,
        0x31, 0xff, 0x0f, 0x05, 0xeb, 0xf5,
    ];

    private const ulong LoadAddress = 0x400000;
    private const int ElfHeaderSize = 64;
    private const int ProgramHeaderSize = 56;

    /// <summary>The cpio "newc" archive the kernel unpacks as its root file system.</summary>
    public static byte[] Build() => new CpioNewcArchive()
        .Directory("dev")
        .CharacterDevice("dev/console", 5, 1)
        .File("init", Init())
        .Build();

    /// <summary>A minimal ELF64 executable: header, one PT_LOAD segment mapping the whole file read+execute, code, message.</summary>
    public static byte[] Init()
    {
        var message = Encoding.ASCII.GetBytes("\n" + Marker + "\n");
        var codeOffset = ElfHeaderSize + ProgramHeaderSize;
        var size = codeOffset + Code.Length + message.Length;
        var elf = new byte[size];
        var span = elf.AsSpan();
        "\x7f"u8.CopyTo(span);
        "ELF"u8.CopyTo(span[1..]);
        span[4] = 2; // 64-bit
        span[5] = 1; // little endian
        span[6] = 1; // ELF version
        BinaryPrimitives.WriteUInt16LittleEndian(span[16..], 2); // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(span[18..], 0x3e); // x86-64
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(span[24..], LoadAddress + (ulong)codeOffset); // entry
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], ElfHeaderSize); // program headers follow the header
        BinaryPrimitives.WriteUInt16LittleEndian(span[52..], ElfHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[54..], ProgramHeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[56..], 1); // one program header
        var ph = span[ElfHeaderSize..];
        BinaryPrimitives.WriteUInt32LittleEndian(ph, 1); // PT_LOAD
        BinaryPrimitives.WriteUInt32LittleEndian(ph[4..], 5); // PF_R | PF_X
        BinaryPrimitives.WriteUInt64LittleEndian(ph[16..], LoadAddress); // vaddr of file offset 0
        BinaryPrimitives.WriteUInt64LittleEndian(ph[24..], LoadAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[32..], (ulong)size);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[40..], (ulong)size);
        BinaryPrimitives.WriteUInt64LittleEndian(ph[48..], 0x1000);
        Code.CopyTo(span[codeOffset..]);
        message.CopyTo(span[(codeOffset + Code.Length)..]);
        return elf;
    }
}
