// The one definition of the bytecode encoding, shared by the CPU (decode) and the assembler (encode).
//
// Every instruction is 16 bytes, little-endian, and starts at a 16-byte aligned guest physical address
// (so a fetch never crosses a page):
//   byte 0      opcode (Opcode)
//   byte 1      a: register 0–15
//   byte 2      b: register 0–15
//   byte 3      c: register 0–15, a BranchCondition, or an I/O size (1, 2, 4) — per opcode
//   bytes 4–7   reserved, must be zero
//   bytes 8–15  imm: signed 64-bit immediate (address offset, branch offset, value, port)
// Fields an opcode does not use must be zero, so every byte pattern has one meaning or is invalid.
using System.Buffers.Binary;
using System.Globalization;

namespace Gmem.Reference.Cpu;

/// <summary>One decoded bytecode instruction (see docs/bytecode-isa.md for the encoding).</summary>
/// <param name="Opcode">Byte 0.</param>
/// <param name="A">Byte 1: register a.</param>
/// <param name="B">Byte 2: register b.</param>
/// <param name="C">Byte 3: register c, branch condition or I/O size.</param>
/// <param name="Immediate">Bytes 8–15.</param>
public readonly record struct Instruction(Opcode Opcode, byte A, byte B, byte C, long Immediate)
{
    private static readonly string[] s_alu = ["ADD", "SUB", "AND", "OR", "XOR", "SHL", "SHR", "SAR", "MUL"];

    /// <summary>Bytes of every instruction (also its required alignment).</summary>
    public const int Size = 16;

    /// <summary>Number of general registers.</summary>
    public const int RegisterCount = 16;

    /// <summary>Writes the 16-byte encoding into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Size"/>.</exception>
    public void Encode(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"An instruction needs {Size} bytes, the destination has {destination.Length}.", nameof(destination));
        }

        destination[0] = (byte)Opcode;
        destination[1] = A;
        destination[2] = B;
        destination[3] = C;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], Immediate);
    }

    /// <summary>
    /// Decodes 16 bytes. Returns false for an undefined opcode, a non-zero reserved byte, a register
    /// number above 15, or a field value the opcode does not allow (the CPU then reports an emulation error).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> source, out Instruction instruction)
    {
        instruction = default;
        if (source.Length < Size || BinaryPrimitives.ReadUInt32LittleEndian(source[4..]) != 0)
        {
            return false;
        }

        var candidate = new Instruction(
            (Opcode)source[0], source[1], source[2], source[3], BinaryPrimitives.ReadInt64LittleEndian(source[8..]));
        if (!candidate.IsWellFormed())
        {
            return false;
        }

        instruction = candidate;
        return true;
    }

    /// <summary>Whether the fields are legal for the opcode (unused fields zero, registers 0–15, sizes and conditions defined).</summary>
    public bool IsWellFormed()
    {
        return Opcode switch
        {
            Opcode.Hlt or Opcode.Nop or Opcode.Hypercall => A == 0 && B == 0 && C == 0 && Immediate == 0,
            Opcode.MovImmediate => IsRegister(A) && B == 0 && C == 0,
            Opcode.Mov => IsRegister(A) && IsRegister(B) && C == 0 && Immediate == 0,
            >= Opcode.Load8 and <= Opcode.Load64 or >= Opcode.Store8 and <= Opcode.Store64 =>
                IsRegister(A) && IsRegister(B) && C == 0,
            >= Opcode.Add and <= Opcode.Mul => IsRegister(A) && IsRegister(B) && IsRegister(C) && Immediate == 0,
            >= Opcode.AddImmediate and <= Opcode.MulImmediate => IsRegister(A) && IsRegister(B) && C == 0,
            Opcode.Branch => IsRegister(A) && IsRegister(B) && C <= (byte)BranchCondition.NotZero,
            Opcode.Loop => IsRegister(A) && B == 0 && C == 0,
            Opcode.Fill => IsRegister(A) && IsRegister(B) && A != B && C == 0 && Immediate is >= 0 and <= 0xff,
            Opcode.CompareBytes => IsRegister(A) && IsRegister(B) && IsRegister(C) && A != B && A != C && B != C
                && Immediate is >= 0 and <= 0xff,
            Opcode.Out or Opcode.In => IsRegister(A) && B == 0 && C is 1 or 2 or 4 && Immediate is >= 0 and <= 0xffff,
            _ => false,
        };
    }

    /// <summary>The instruction in the assembler syntax of docs/bytecode-isa.md (e.g. <c>LD32 r3, [r4-0x2]</c>).</summary>
    public override string ToString() => Opcode switch
    {
        Opcode.Hlt => "HLT",
        Opcode.Nop => "NOP",
        Opcode.Hypercall => "HCALL",
        Opcode.MovImmediate => $"MOVI r{A}, {Hex(Immediate)}",
        Opcode.Mov => $"MOV r{A}, r{B}",
        >= Opcode.Load8 and <= Opcode.Load64 => $"LD{8 << (Opcode - Opcode.Load8)} r{A}, [r{B}{Signed(Immediate)}]",
        >= Opcode.Store8 and <= Opcode.Store64 => $"ST{8 << (Opcode - Opcode.Store8)} [r{B}{Signed(Immediate)}], r{A}",
        >= Opcode.Add and <= Opcode.Mul => $"{s_alu[Opcode - Opcode.Add]} r{A}, r{B}, r{C}",
        >= Opcode.AddImmediate and <= Opcode.MulImmediate => $"{s_alu[Opcode - Opcode.AddImmediate]}I r{A}, r{B}, {Hex(Immediate)}",
        Opcode.Branch => $"B.{(BranchCondition)C} r{A}, r{B}, {Signed(Immediate)}",
        Opcode.Loop => $"LOOP r{A}, {Signed(Immediate)}",
        Opcode.Fill => $"FILL [r{A}], r{B}, {Hex(Immediate)}",
        Opcode.CompareBytes => $"CMPB [r{A}], r{B}, {Hex(Immediate)}, r{C}",
        Opcode.Out => $"OUT {Hex(Immediate)}, r{A}, {C}",
        Opcode.In => $"IN r{A}, {Hex(Immediate)}, {C}",
        _ => $"(bad) {(byte)Opcode:x2} {A} {B} {C} {Hex(Immediate)}",
    };

    private static string Hex(long value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    private static string Signed(long value) => value < 0
        ? "-0x" + ((ulong)-value).ToString("x", CultureInfo.InvariantCulture)
        : "+0x" + value.ToString("x", CultureInfo.InvariantCulture);

    private static bool IsRegister(byte field) => field < RegisterCount;
}
