namespace Gmem.Vmm.Programs;

/// <summary>
/// A <see cref="GuestProgram"/> compiled for one ISA: the chunks to place in guest memory (normally
/// populated as private memory) and the entry point. Backends may derive from it to add the CPU state
/// their ISA needs (an x86-64 backend adds segment and paging state).
/// </summary>
public class CompiledGuestProgram
{
    /// <summary>Creates the result of a compilation.</summary>
    /// <param name="isa">The instruction set (<see cref="IGuestProgramBackend.Isa"/>).</param>
    /// <param name="entry">The guest physical address of the first instruction.</param>
    /// <param name="chunks">The bytes to load, non-overlapping.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public CompiledGuestProgram(string isa, Gpa entry, IReadOnlyList<GuestProgramChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(isa);
        ArgumentNullException.ThrowIfNull(chunks);
        Isa = isa;
        Entry = entry;
        Chunks = chunks;
    }

    /// <summary>The instruction set, e.g. <c>"bytecode"</c> or <c>"x86-64"</c>.</summary>
    public string Isa { get; }

    /// <summary>Where the vCPU starts.</summary>
    public Gpa Entry { get; }

    /// <summary>What to load into guest memory before the first run.</summary>
    public IReadOnlyList<GuestProgramChunk> Chunks { get; }

    /// <summary>Copies every chunk into <paramref name="memory"/>, which holds guest memory from <paramref name="memoryBase"/>.</summary>
    /// <exception cref="ArgumentException">A chunk lies outside <paramref name="memory"/>.</exception>
    public void CopyTo(Span<byte> memory, Gpa memoryBase)
    {
        foreach (GuestProgramChunk chunk in Chunks)
        {
            if (chunk.Address < memoryBase || chunk.End - memoryBase > (ulong)memory.Length)
            {
                throw new ArgumentException($"Chunk [{chunk.Address}, {chunk.End}) lies outside the {memory.Length} bytes from {memoryBase}.", nameof(memory));
            }

            chunk.Bytes.Span.CopyTo(memory[(int)(chunk.Address - memoryBase)..]);
        }
    }
}
