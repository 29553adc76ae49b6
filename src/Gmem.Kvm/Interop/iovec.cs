// C name on purpose (the raw layer keeps the kernel's names).
#pragma warning disable CS8981

namespace Gmem.Kvm.Interop;

/// <summary><c>struct iovec</c> (16 bytes).</summary>
internal struct iovec
{
    public nint iov_base;
    public nuint iov_len;
}
