namespace Gmem.Vmm.Programs;

/// <summary>How <see cref="GuestProgram.Touch"/> touches each page.</summary>
public enum TouchKind
{
    /// <summary>Load one byte of each page (first touch maps it; content unchanged).</summary>
    Read,

    /// <summary>Store one byte (the op's value) at the start of each page.</summary>
    Write,
}
