using System.Runtime.InteropServices;

namespace Gmem.Kvm.Interop;

// Memory-related structs of <linux/kvm.h>, blittable, padding as named fields (spec §0.4).

/// <summary><c>struct kvm_userspace_memory_region</c> (32 bytes, v1).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_userspace_memory_region
{
    public uint slot;
    public uint flags;
    public ulong guest_phys_addr;
    public ulong memory_size;
    public ulong userspace_addr;
}

/// <summary><c>struct kvm_userspace_memory_region2</c> (160 bytes, 6.8+).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_userspace_memory_region2
{
    public uint slot;
    public uint flags;
    public ulong guest_phys_addr;
    public ulong memory_size;
    public ulong userspace_addr;
    public ulong guest_memfd_offset;
    public uint guest_memfd;
    public uint pad1;
    public fixed ulong pad2[14];
}

/// <summary><c>struct kvm_create_guest_memfd</c> (64 bytes, 6.8+).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_create_guest_memfd
{
    public ulong size;
    public ulong flags;
    public fixed ulong reserved[6];
}

/// <summary><c>struct kvm_memory_attributes</c> (32 bytes, 6.8+).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_memory_attributes
{
    public ulong address;
    public ulong size;
    public ulong attributes;
    public ulong flags;
}

/// <summary><c>struct kvm_memory_attributes2</c> (128 bytes; in-flight in-place conversion series, spec §0.4).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_memory_attributes2
{
    public ulong offset;
    public ulong size;
    public ulong attributes;
    public ulong flags;
    public ulong error_offset;
    public fixed ulong reserved[11];
}

/// <summary><c>struct kvm_pre_fault_memory</c> (64 bytes, 6.11+).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_pre_fault_memory
{
    public ulong gpa;
    public ulong size;
    public ulong flags;
    public fixed ulong padding[5];
}

/// <summary><c>struct kvm_enable_cap</c> (104 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_enable_cap
{
    public uint cap;
    public uint flags;
    public fixed ulong args[4];
    public fixed byte pad[64];
}
