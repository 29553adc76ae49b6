namespace Gmem.Vmm.Programs;

/// <summary>
/// Compiles a platform-neutral <see cref="GuestProgram"/> into one ISA. Every backend implements the
/// same observable behaviour: the same memory effects, the same hypercalls with the same arguments, and
/// the same reports in the same order (the protocol of <see cref="GuestReportDecoder"/>). Where code and
/// data go is the backend's configuration (its constructor), not part of the program.
/// </summary>
public interface IGuestProgramBackend
{
    /// <summary>The instruction set produced, e.g. <c>"bytecode"</c> or <c>"x86-64"</c>.</summary>
    string Isa { get; }

    /// <summary>Compiles <paramref name="program"/>; the result ends in a halt loop after the last op.</summary>
    /// <exception cref="NotSupportedException">The program needs more than the backend offers (e.g. loop nesting depth).</exception>
    CompiledGuestProgram Compile(GuestProgram program);
}
