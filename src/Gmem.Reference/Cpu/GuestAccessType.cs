namespace Gmem.Reference.Cpu;

/// <summary>What a guest memory access is for; the bus uses it for permissions and fault reporting.</summary>
public enum GuestAccessType
{
    /// <summary>An instruction fetch (the CPU reads the bytes of the instruction at its instruction pointer).</summary>
    Fetch = 0,

    /// <summary>A data load.</summary>
    Read = 1,

    /// <summary>A data store.</summary>
    Write = 2,
}
