using System.Buffers.Binary;

namespace Gmem.Vmm.X86;

/// <summary>
/// The 64-bit task-state segment: RSP0 (the kernel stack an interrupt from CPL3 switches to) and an
/// I/O permission bitmap that allows every port. On the PVM host the bitmap is what lets OUT/IN at CPL3
/// reach KVM: the IOPL bits of RFLAGS are dropped in guest user mode (docs/compatibility.md).
/// </summary>
public static class X86Tss
{
    /// <summary>Bytes of the TSS proper.</summary>
    public const int HeaderBytes = 104;

    /// <summary>Bytes of the I/O bitmap (one bit per port, 65536 ports).</summary>
    public const int IoBitmapBytes = 8192;

    /// <summary>The TSS limit: header, bitmap, and the 0xFF byte the CPU reads past the bitmap.</summary>
    public const uint Limit = HeaderBytes + IoBitmapBytes;

    /// <summary>Bytes the TSS occupies in guest memory.</summary>
    public const int SizeBytes = (int)Limit + 1;

    /// <summary>Offset of RSP0.</summary>
    public const int Rsp0Offset = 4;

    /// <summary>Offset of the 16-bit I/O map base.</summary>
    public const int IoMapBaseOffset = 102;

    /// <summary>Writes a TSS with RSP0 = <paramref name="rsp0"/> and every port allowed.</summary>
    public static void Write(Span<byte> tss, ulong rsp0)
    {
        if (tss.Length < SizeBytes)
        {
            throw new ArgumentException($"The TSS needs {SizeBytes} bytes, got {tss.Length}.", nameof(tss));
        }
        tss[..SizeBytes].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(tss[Rsp0Offset..], rsp0);
        BinaryPrimitives.WriteUInt16LittleEndian(tss[IoMapBaseOffset..], HeaderBytes);
        tss[(int)Limit] = 0xFF;
    }
}
