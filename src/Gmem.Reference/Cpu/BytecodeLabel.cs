namespace Gmem.Reference.Cpu;

/// <summary>A branch target in a <see cref="BytecodeAssembler"/>: created unbound, bound to one position.</summary>
/// <param name="Id">The assembler's number for it.</param>
public readonly record struct BytecodeLabel(int Id);
