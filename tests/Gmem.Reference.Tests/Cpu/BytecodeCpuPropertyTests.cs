// Model-based: random arithmetic against C#'s own ulong operators.
using FsCheck;
using FsCheck.Fluent;
using Gmem.Reference.Cpu;

namespace Gmem.Reference.Tests.Cpu;

public class BytecodeCpuPropertyTests
{
    private static readonly Func<ulong, ulong, ulong>[] s_model =
    [
        (x, y) => x + y,
        (x, y) => x - y,
        (x, y) => x & y,
        (x, y) => x | y,
        (x, y) => x ^ y,
        (x, y) => x << (int)(y & 63),
        (x, y) => x >> (int)(y & 63),
        (x, y) => (ulong)((long)x >> (int)(y & 63)),
        (x, y) => x * y,
    ];

    [Fact]
    public void Arithmetic_RandomOperandsAndChains_MatchesCSharpModel()
    {
        Prop.ForAll(
            Gen.Choose(0, 8).Select(i => (Opcode)((int)Opcode.Add + i)).ArrayOf().ToArbitrary(),
            ArbMap.Default.ArbFor<ulong>(),
            ArbMap.Default.ArbFor<ulong>(),
            (operations, x, y) =>
            {
                // r1 = x, r2 = y; each step: r1 = op(r1, r2) in register form, then r2 = op'(r2, imm x).
                var h = CpuHarness.Create(a =>
                {
                    a.MovImmediate(Register.R1, x).MovImmediate(Register.R2, y);
                    foreach (Opcode op in operations.Take(50))
                    {
                        a.Arithmetic(op, Register.R1, Register.R1, Register.R2);
                        a.ArithmeticImmediate((Opcode)((int)op - (int)Opcode.Add + (int)Opcode.AddImmediate), Register.R2, Register.R2, (long)x);
                    }

                    a.Hlt();
                });
                ulong r1 = x, r2 = y;
                foreach (Opcode op in operations.Take(50))
                {
                    r1 = s_model[op - Opcode.Add](r1, r2);
                    r2 = s_model[op - Opcode.Add](r2, x);
                }

                return h.Run() is VcpuExit.Hlt && h[Register.R1] == r1 && h[Register.R2] == r2;
            })
            .QuickCheckThrowOnFailure();
    }
}
