namespace Gmem.Vmm.X86;

/// <summary>
/// What <see cref="LongModeBoot.Build"/> produces: the bytes to place in guest memory and the register
/// state to load. Memory that no chunk covers must read as zero (a fresh guest_memfd does).
/// </summary>
public sealed class X86BootImage
{
    internal X86BootImage(X86GuestLayout layout, X86PrivilegeLevel privilege, IReadOnlyList<X86MemoryChunk> chunks, X86BootState state,
        byte[] code, ulong userEntry, ulong exitHandler, IReadOnlyList<ulong> faultHandlers)
    {
        Layout = layout;
        Privilege = privilege;
        Chunks = chunks;
        State = state;
        Code = code;
        UserEntry = userEntry;
        ExitHandler = exitHandler;
        FaultHandlers = faultHandlers;
    }

    /// <summary>The layout the image was built for.</summary>
    public X86GuestLayout Layout { get; }

    /// <summary>The privilege level the guest program runs at.</summary>
    public X86PrivilegeLevel Privilege { get; }

    /// <summary>The bytes to write, in ascending address order, non-overlapping.</summary>
    public IReadOnlyList<X86MemoryChunk> Chunks { get; }

    /// <summary>The vCPU state to load before the first run.</summary>
    public X86BootState State { get; }

    /// <summary>The assembled guest program (also one of the <see cref="Chunks"/>, at <see cref="X86GuestLayout.Code"/>).</summary>
    public byte[] Code { get; }

    /// <summary>The CPL0 stub that enters the program at CPL3 with IRETQ.</summary>
    public ulong UserEntry { get; }

    /// <summary>The #GP handler: halts (HLT in a loop) when the faulting instruction is a CPL3 HLT, else reports vector 13.</summary>
    public ulong ExitHandler { get; }

    /// <summary>The handler of each exception vector 0–31 (reports the vector on <see cref="X86GuestLayout.FaultPort"/>, then halts).</summary>
    public IReadOnlyList<ulong> FaultHandlers { get; }

    /// <summary>Copies every chunk into <paramref name="memory"/>, which holds guest memory from GPA 0 (zeroed where no chunk goes).</summary>
    public void CopyTo(Span<byte> memory)
    {
        foreach (X86MemoryChunk chunk in Chunks)
        {
            if (chunk.End.Value > (ulong)memory.Length)
            {
                throw new ArgumentException($"Chunk [{chunk.Address}, {chunk.End}) is past the {memory.Length} bytes given.", nameof(memory));
            }
            chunk.Bytes.CopyTo(memory[(int)chunk.Address.Value..]);
        }
    }
}
