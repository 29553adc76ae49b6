namespace Gmem.Reference.Cpu;

/// <summary>
/// Opcodes of the Gmem bytecode ISA (byte 0 of every 16-byte instruction; see docs/bytecode-isa.md).
/// Operand letters: <c>a</c>, <c>b</c>, <c>c</c> are the register fields (bytes 1–3), <c>imm</c> is the
/// signed 64-bit immediate (bytes 8–15). Branch offsets are relative to the next instruction.
/// </summary>
public enum Opcode : byte
{
    /// <summary>Not an instruction: zeroed memory stops the CPU with an internal error instead of running on.</summary>
    Invalid = 0x00,

    /// <summary><c>HLT</c>: retire and exit with <see cref="VcpuExit.Hlt"/>; the next run continues after it.</summary>
    Hlt = 0x01,

    /// <summary><c>NOP</c>.</summary>
    Nop = 0x02,

    /// <summary><c>MOVI a, imm</c>: a = imm.</summary>
    MovImmediate = 0x10,

    /// <summary><c>MOV a, b</c>: a = b.</summary>
    Mov = 0x11,

    /// <summary><c>LD8 a, [b + imm]</c>: a = zero-extended byte.</summary>
    Load8 = 0x20,

    /// <summary><c>LD16 a, [b + imm]</c>: a = zero-extended 16-bit little-endian value.</summary>
    Load16 = 0x21,

    /// <summary><c>LD32 a, [b + imm]</c>: a = zero-extended 32-bit little-endian value.</summary>
    Load32 = 0x22,

    /// <summary><c>LD64 a, [b + imm]</c>: a = 64-bit little-endian value.</summary>
    Load64 = 0x23,

    /// <summary><c>ST8 [b + imm], a</c>: stores the low byte of a.</summary>
    Store8 = 0x28,

    /// <summary><c>ST16 [b + imm], a</c>: stores the low 16 bits of a.</summary>
    Store16 = 0x29,

    /// <summary><c>ST32 [b + imm], a</c>: stores the low 32 bits of a.</summary>
    Store32 = 0x2A,

    /// <summary><c>ST64 [b + imm], a</c>: stores a.</summary>
    Store64 = 0x2B,

    /// <summary><c>ADD a, b, c</c>: a = b + c (wrapping).</summary>
    Add = 0x30,

    /// <summary><c>SUB a, b, c</c>: a = b − c (wrapping).</summary>
    Sub = 0x31,

    /// <summary><c>AND a, b, c</c>: a = b &amp; c.</summary>
    And = 0x32,

    /// <summary><c>OR a, b, c</c>: a = b | c.</summary>
    Or = 0x33,

    /// <summary><c>XOR a, b, c</c>: a = b ^ c.</summary>
    Xor = 0x34,

    /// <summary><c>SHL a, b, c</c>: a = b &lt;&lt; (c &amp; 63).</summary>
    Shl = 0x35,

    /// <summary><c>SHR a, b, c</c>: a = b &gt;&gt; (c &amp; 63), logical.</summary>
    Shr = 0x36,

    /// <summary><c>SAR a, b, c</c>: a = b &gt;&gt; (c &amp; 63), arithmetic.</summary>
    Sar = 0x37,

    /// <summary><c>MUL a, b, c</c>: a = low 64 bits of b × c.</summary>
    Mul = 0x38,

    /// <summary><c>ADDI a, b, imm</c>: a = b + imm.</summary>
    AddImmediate = 0x40,

    /// <summary><c>SUBI a, b, imm</c>: a = b − imm.</summary>
    SubImmediate = 0x41,

    /// <summary><c>ANDI a, b, imm</c>: a = b &amp; imm.</summary>
    AndImmediate = 0x42,

    /// <summary><c>ORI a, b, imm</c>: a = b | imm.</summary>
    OrImmediate = 0x43,

    /// <summary><c>XORI a, b, imm</c>: a = b ^ imm.</summary>
    XorImmediate = 0x44,

    /// <summary><c>SHLI a, b, imm</c>: a = b &lt;&lt; (imm &amp; 63).</summary>
    ShlImmediate = 0x45,

    /// <summary><c>SHRI a, b, imm</c>: a = b &gt;&gt; (imm &amp; 63), logical.</summary>
    ShrImmediate = 0x46,

    /// <summary><c>SARI a, b, imm</c>: a = b &gt;&gt; (imm &amp; 63), arithmetic.</summary>
    SarImmediate = 0x47,

    /// <summary><c>MULI a, b, imm</c>: a = low 64 bits of b × imm.</summary>
    MulImmediate = 0x48,

    /// <summary><c>B.cond a, b, imm</c>: if the <see cref="BranchCondition"/> in field c holds for a and b, jump to next + imm.</summary>
    Branch = 0x50,

    /// <summary><c>LOOP a, imm</c>: a = a − 1; if a ≠ 0, jump to next + imm (x86 <c>LOOP</c> on any register).</summary>
    Loop = 0x51,

    /// <summary>
    /// <c>FILL [a], b, imm8</c>: stores the low byte of imm into b bytes from address a. Interruptible like
    /// x86 <c>REP STOSB</c>: after each page-sized chunk a += n and b −= n; retires when b = 0.
    /// </summary>
    Fill = 0x60,

    /// <summary>
    /// <c>CMPB [a], b, imm8, c</c>: compares b bytes from address a with the low byte of imm. All equal: c = 0,
    /// a and b advanced to the end (b = 0). First mismatch: c = 1, a = its address, b = bytes left
    /// including it. Interruptible like <see cref="Fill"/>.
    /// </summary>
    CompareBytes = 0x61,

    /// <summary><c>OUT imm16, a, size c</c>: writes the low c bytes (1, 2 or 4) of a to port imm.</summary>
    Out = 0x70,

    /// <summary><c>IN a, imm16, size c</c>: a = zero-extended c bytes (1, 2 or 4) read from port imm.</summary>
    In = 0x71,

    /// <summary><c>HCALL</c>: hypercall number r0, arguments r1–r6; result in r0 (x86 <c>VMCALL</c> with RAX).</summary>
    Hypercall = 0x80,
}
