using System.Runtime.InteropServices;

namespace Gmem.Kvm.Interop;

// struct kvm_run: the fixed header, the exit union (256 bytes at offset 32) and the union members Gmem reads.
// The vCPU's mapping is larger than the struct (KVM_GET_VCPU_MMAP_SIZE); port I/O data lives at io.data_offset.

/// <summary>The head of <c>struct kvm_run</c> up to and including the exit union, plus the register-sync words.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_run
{
    public byte request_interrupt_window;
    public byte immediate_exit;
    public fixed byte padding1[6];
    public uint exit_reason;
    public byte ready_for_interrupt_injection;
    public byte if_flag;
    public ushort flags;
    public ulong cr8;
    public ulong apic_base;
    /// <summary>The exit union; read it through the <c>kvm_run_*</c> member structs.</summary>
    public fixed byte exit_union[KvmConstants.KVM_RUN_UNION_SIZE];
    public ulong kvm_valid_regs;
    public ulong kvm_dirty_regs;
    /// <summary><c>union { struct kvm_sync_regs regs; char padding[2048]; } s</c>.</summary>
    public fixed byte s[2048];
}

/// <summary><c>kvm_run.io</c> (KVM_EXIT_IO).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_run_io
{
    public byte direction;
    public byte size;
    public ushort port;
    public uint count;
    public ulong data_offset;
}

/// <summary><c>kvm_run.mmio</c> (KVM_EXIT_MMIO).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_run_mmio
{
    public ulong phys_addr;
    public fixed byte data[8];
    public uint len;
    public byte is_write;
    public fixed byte padding[3];
}

/// <summary><c>kvm_run.hypercall</c> (KVM_EXIT_HYPERCALL).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_run_hypercall
{
    public ulong nr;
    public fixed ulong args[6];
    public ulong ret;
    /// <summary><c>union { __u32 longmode; __u64 flags; }</c>.</summary>
    public ulong flags;
}

/// <summary><c>kvm_run.internal</c> (KVM_EXIT_INTERNAL_ERROR).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct kvm_run_internal
{
    public uint suberror;
    public uint ndata;
    public fixed ulong data[16];
}

/// <summary><c>kvm_run.memory_fault</c> (KVM_EXIT_MEMORY_FAULT, 6.8+).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct kvm_run_memory_fault
{
    public ulong flags;
    public ulong gpa;
    public ulong size;
}
