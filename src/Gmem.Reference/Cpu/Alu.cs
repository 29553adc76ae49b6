// Arithmetic and branch conditions of the bytecode ISA, shared by the register and immediate forms.
namespace Gmem.Reference.Cpu;

/// <summary>The arithmetic unit: pure functions over 64-bit values.</summary>
internal static class Alu
{
    /// <summary>
    /// Applies operation <paramref name="operation"/> (0 = add … 8 = mul, the order of
    /// <see cref="Opcode.Add"/>–<see cref="Opcode.Mul"/>). Shift counts are taken modulo 64, as on x86-64.
    /// </summary>
    public static ulong Apply(int operation, ulong left, ulong right) => operation switch
    {
        0 => left + right,
        1 => left - right,
        2 => left & right,
        3 => left | right,
        4 => left ^ right,
        5 => left << (int)(right & 63),
        6 => left >> (int)(right & 63),
        7 => (ulong)((long)left >> (int)(right & 63)),
        _ => left * right,
    };

    /// <summary>Whether <paramref name="condition"/> holds for <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static bool Holds(BranchCondition condition, ulong a, ulong b) => condition switch
    {
        BranchCondition.Always => true,
        BranchCondition.Equal => a == b,
        BranchCondition.NotEqual => a != b,
        BranchCondition.Below => a < b,
        BranchCondition.AboveOrEqual => a >= b,
        BranchCondition.Less => (long)a < (long)b,
        BranchCondition.GreaterOrEqual => (long)a >= (long)b,
        BranchCondition.Zero => a == 0,
        _ => a != 0,
    };
}
