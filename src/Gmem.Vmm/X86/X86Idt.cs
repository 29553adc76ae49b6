using System.Buffers.Binary;

namespace Gmem.Vmm.X86;

/// <summary>Long-mode interrupt descriptor table: 16-byte interrupt gates.</summary>
public static class X86Idt
{
    /// <summary>Bytes of one gate.</summary>
    public const int GateBytes = 16;

    /// <summary>Encodes a 64-bit interrupt gate (type 0xE, present) to <paramref name="handler"/> in segment <paramref name="selector"/>.</summary>
    /// <param name="handler">The handler's linear address.</param>
    /// <param name="selector">The code segment the handler runs in.</param>
    /// <param name="dpl">The highest CPL that may reach the gate with INT n (3 lets user code in).</param>
    /// <returns>The low and high 8 bytes.</returns>
    public static (ulong Low, ulong High) Gate(ulong handler, ushort selector, byte dpl)
    {
        ulong access = 0x80UL | ((ulong)(dpl & 3) << 5) | 0xE;
        ulong low = (handler & 0xFFFF) | ((ulong)selector << 16) | (access << 40) | (((handler >> 16) & 0xFFFF) << 48);
        return (low, handler >> 32);
    }

    /// <summary>Writes gate <paramref name="vector"/> into the table <paramref name="idt"/>.</summary>
    public static void WriteGate(Span<byte> idt, int vector, ulong handler, ushort selector, byte dpl)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vector);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vector, 255);
        (ulong low, ulong high) = Gate(handler, selector, dpl);
        BinaryPrimitives.WriteUInt64LittleEndian(idt[(vector * GateBytes)..], low);
        BinaryPrimitives.WriteUInt64LittleEndian(idt[((vector * GateBytes) + 8)..], high);
    }

    /// <summary>The handler address of a gate read back from <paramref name="idt"/>.</summary>
    public static ulong ReadHandler(ReadOnlySpan<byte> idt, int vector)
    {
        ulong low = BinaryPrimitives.ReadUInt64LittleEndian(idt[(vector * GateBytes)..]);
        ulong high = BinaryPrimitives.ReadUInt64LittleEndian(idt[((vector * GateBytes) + 8)..]);
        return (low & 0xFFFF) | (((low >> 48) & 0xFFFF) << 16) | (high << 32);
    }
}
