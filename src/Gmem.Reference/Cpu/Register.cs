namespace Gmem.Reference.Cpu;

/// <summary>The sixteen 64-bit general registers of the bytecode CPU. r0 carries the hypercall number and result.</summary>
public enum Register : byte
{
    /// <summary>r0: hypercall number in, hypercall result out.</summary>
    R0 = 0,
    /// <summary>r1: hypercall argument 0.</summary>
    R1 = 1,
    /// <summary>r2: hypercall argument 1.</summary>
    R2 = 2,
    /// <summary>r3: hypercall argument 2.</summary>
    R3 = 3,
    /// <summary>r4: hypercall argument 3.</summary>
    R4 = 4,
    /// <summary>r5: hypercall argument 4.</summary>
    R5 = 5,
    /// <summary>r6: hypercall argument 5.</summary>
    R6 = 6,
    /// <summary>r7.</summary>
    R7 = 7,
    /// <summary>r8.</summary>
    R8 = 8,
    /// <summary>r9.</summary>
    R9 = 9,
    /// <summary>r10.</summary>
    R10 = 10,
    /// <summary>r11.</summary>
    R11 = 11,
    /// <summary>r12.</summary>
    R12 = 12,
    /// <summary>r13.</summary>
    R13 = 13,
    /// <summary>r14.</summary>
    R14 = 14,
    /// <summary>r15.</summary>
    R15 = 15,
}
