using System.Runtime.InteropServices;

namespace Gmem.Reference.Interop;

/// <summary>Zeroed native memory for hosts without memfd (the OS commits pages on first touch); releasing frees it.</summary>
internal sealed class NativeMemoryBuffer : SafeBuffer
{
    public unsafe NativeMemoryBuffer(nuint length)
        : base(ownsHandle: true)
    {
        SetHandle((nint)NativeMemory.AllocZeroed(length));
        Initialize(length);
    }

    protected override unsafe bool ReleaseHandle()
    {
        // SAFETY: handle came from NativeMemory.AllocZeroed and is released exactly once (SafeHandle contract).
        NativeMemory.Free((void*)handle);
        return true;
    }
}
