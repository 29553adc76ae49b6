namespace Gmem.Reference.Cpu;

/// <summary>The condition of a <see cref="Opcode.Branch"/> (field c), comparing registers a and b.</summary>
public enum BranchCondition : byte
{
    /// <summary>Always (an unconditional jump).</summary>
    Always = 0,
    /// <summary>a = b.</summary>
    Equal = 1,
    /// <summary>a ≠ b.</summary>
    NotEqual = 2,
    /// <summary>a &lt; b, unsigned.</summary>
    Below = 3,
    /// <summary>a ≥ b, unsigned.</summary>
    AboveOrEqual = 4,
    /// <summary>a &lt; b, signed.</summary>
    Less = 5,
    /// <summary>a ≥ b, signed.</summary>
    GreaterOrEqual = 6,
    /// <summary>a = 0 (b ignored).</summary>
    Zero = 7,
    /// <summary>a ≠ 0 (b ignored).</summary>
    NotZero = 8,
}
