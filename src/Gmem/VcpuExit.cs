namespace Gmem;

/// <summary>
/// Why <see cref="IVcpu.Run"/> returned: a closed set of values, one per KVM exit reason Gmem handles.
/// Exits that carry data back to the guest (IN, MMIO read, hypercall) are filled in by the handler
/// before the next <see cref="IVcpu.Run"/>.
/// </summary>
public abstract record VcpuExit
{
    private protected VcpuExit()
    {
    }

    /// <summary>KVM_EXIT_IO: port I/O. For <see cref="IoDirection.In"/> the handler fills <see cref="Data"/>.</summary>
    /// <param name="Direction">In or out.</param>
    /// <param name="Port">The I/O port.</param>
    /// <param name="Size">Bytes per access (1, 2 or 4).</param>
    /// <param name="Count">Repetitions (string I/O).</param>
    /// <param name="Data"><see cref="Size"/> × <see cref="Count"/> bytes: the guest's for Out, the handler's for In.</param>
    public sealed record Io(IoDirection Direction, ushort Port, int Size, uint Count, byte[] Data) : VcpuExit
    {
        /// <summary>The first access's value, little-endian (get: what an Out wrote; set: what an In reads).</summary>
        public uint Value
        {
            get
            {
                uint value = 0;
                for (int i = Math.Min(Size, 4) - 1; i >= 0; i--)
                {
                    value = (value << 8) | Data[i];
                }
                return value;
            }
            set
            {
                for (int i = 0; i < Math.Min(Size, 4); i++)
                {
                    Data[i] = (byte)(value >> (8 * i));
                }
            }
        }
    }

    /// <summary>KVM_EXIT_MMIO: an access to guest physical memory with no memslot. For reads the handler fills <see cref="Data"/>.</summary>
    /// <param name="Address">The guest physical address.</param>
    /// <param name="Length">Bytes accessed (1–8).</param>
    /// <param name="IsWrite">Whether the guest wrote.</param>
    /// <param name="Data">The bytes written, or the bytes to return for a read.</param>
    public sealed record Mmio(Gpa Address, int Length, bool IsWrite, byte[] Data) : VcpuExit;

    /// <summary>KVM_EXIT_HLT.</summary>
    public sealed record Hlt : VcpuExit
    {
        /// <summary>The one instance.</summary>
        public static Hlt Instance { get; } = new();
    }

    /// <summary>KVM_EXIT_SHUTDOWN (a triple fault on x86).</summary>
    public sealed record Shutdown : VcpuExit
    {
        /// <summary>The one instance.</summary>
        public static Shutdown Instance { get; } = new();
    }

    /// <summary>KVM_RUN was interrupted (EINTR, or <see cref="IVcpu.RequestExit"/>).</summary>
    public sealed record Interrupted : VcpuExit
    {
        /// <summary>The one instance.</summary>
        public static Interrupted Instance { get; } = new();
    }

    /// <summary>KVM_EXIT_MEMORY_FAULT (39): KVM_RUN returned -1 with <paramref name="Errno"/>.</summary>
    /// <param name="Address">The faulting guest physical address (page aligned).</param>
    /// <param name="Size">Bytes of the faulting range (a page).</param>
    /// <param name="Flags">KVM_MEMORY_EXIT_FLAG_*: bit 3 = the access was private.</param>
    /// <param name="Errno">EFAULT, or EHWPOISON for a poisoned page.</param>
    public sealed record MemoryFault(Gpa Address, ulong Size, ulong Flags, Errno Errno) : VcpuExit
    {
        /// <summary>KVM_MEMORY_EXIT_FLAG_PRIVATE.</summary>
        public const ulong FlagPrivate = 1UL << 3;

        /// <summary>Whether the faulting access was private.</summary>
        public bool IsPrivate => (Flags & FlagPrivate) != 0;
    }

    /// <summary>KVM_EXIT_HYPERCALL (3): a forwarded hypercall; the handler sets <see cref="Ret"/> before the next run.</summary>
    /// <param name="Nr">The hypercall number (12 = KVM_HC_MAP_GPA_RANGE).</param>
    /// <param name="Args">The six arguments.</param>
    /// <param name="Flags">KVM_EXIT_HYPERCALL_LONG_MODE (bit 0) when the guest was in 64-bit mode.</param>
    public sealed record Hypercall(ulong Nr, ulong[] Args, ulong Flags) : VcpuExit
    {
        /// <summary>KVM_HC_MAP_GPA_RANGE.</summary>
        public const ulong MapGpaRange = 12;

        /// <summary>The value the guest gets in RAX (0 = success, negative KVM errno).</summary>
        public long Ret { get; set; }
    }

    /// <summary>KVM_EXIT_INTERNAL_ERROR.</summary>
    /// <param name="Suberror">KVM_INTERNAL_ERROR_* code.</param>
    /// <param name="Data">The extra words the kernel reported.</param>
    public sealed record InternalError(uint Suberror, ulong[] Data) : VcpuExit;

    /// <summary>Any other exit reason, reported as is.</summary>
    /// <param name="Reason">The KVM_EXIT_* number.</param>
    public sealed record Other(uint Reason) : VcpuExit;
}

/// <summary>Direction of a port I/O exit.</summary>
public enum IoDirection
{
    /// <summary>KVM_EXIT_IO_IN: the guest reads.</summary>
    In = 0,
    /// <summary>KVM_EXIT_IO_OUT: the guest writes.</summary>
    Out = 1,
}
