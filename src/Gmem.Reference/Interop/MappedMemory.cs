using System.Runtime.InteropServices;

namespace Gmem.Reference.Interop;

/// <summary>An <c>mmap</c>-ed region; releasing the handle unmaps it.</summary>
internal sealed class MappedMemory : SafeBuffer
{
    private readonly nuint _length;

    public MappedMemory(nint address, nuint length)
        : base(ownsHandle: true)
    {
        _length = length;
        SetHandle(address);
        Initialize(length);
    }

    protected override bool ReleaseHandle() => Libc.munmap(handle, _length) == 0;
}
