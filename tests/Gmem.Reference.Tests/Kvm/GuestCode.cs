// Macros over BytecodeAssembler for guest tests. Scratch registers: r0–r3 (hypercalls), r7–r9.
using Gmem.Reference.Cpu;

namespace Gmem.Reference.Tests.Kvm;

internal static class GuestCode
{
    /// <summary>FILL [gpa, +length) with value.</summary>
    public static BytecodeAssembler FillRange(this BytecodeAssembler a, ulong gpa, ulong length, byte value) =>
        a.MovImmediate(Register.R8, gpa).MovImmediate(Register.R9, length).Fill(Register.R8, Register.R9, value);

    /// <summary>CMPB [gpa, +length) against value; OUT port ← 0 when all equal, else 1.</summary>
    public static BytecodeAssembler CheckRange(this BytecodeAssembler a, ushort port, ulong gpa, ulong length, byte value) =>
        a.MovImmediate(Register.R8, gpa).MovImmediate(Register.R9, length)
            .CompareBytes(Register.R8, Register.R9, value, Register.R7).Out(port, Register.R7, 4);

    /// <summary>MAP_GPA_RANGE(gpa, pages, private?); OUT port ← the return value.</summary>
    public static BytecodeAssembler MapGpaRange(this BytecodeAssembler a, ushort port, ulong gpa, ulong pages, bool toPrivate) =>
        a.MovImmediate(Register.R0, 12).MovImmediate(Register.R1, gpa).MovImmediate(Register.R2, pages)
            .MovImmediate(Register.R3, toPrivate ? GuestVm.HypercallPrivate : 0).Hypercall().Out(port, Register.R0, 4);

    /// <summary>OUT port ← value (a sync point for the host).</summary>
    public static BytecodeAssembler Sync(this BytecodeAssembler a, ushort port, uint value = 0) =>
        a.MovImmediate(Register.R7, value).Out(port, Register.R7, 4);
}
