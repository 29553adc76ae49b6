// Hypercalls — KVM_HC_MAP_GPA_RANGE and the guest-visible return codes of spec §2.14.
//
// Data model: the VM's KVM_CAP_EXIT_HYPERCALL mask (which hypercalls are forwarded to userspace as
// KVM_EXIT_HYPERCALL). Only MAP_GPA_RANGE (bit 12) can be forwarded.
//
// Locking: the mask is written by EnableCapability and read by vCPU threads (Volatile).
namespace Gmem.Reference.Kvm;

/// <summary>The hypercall side of a VM (see file header).</summary>
internal sealed class Hypercalls
{
    /// <summary>KVM_HC_MAP_GPA_RANGE.</summary>
    public const ulong MapGpaRange = 12;

    /// <summary>The forwardable hypercalls (KVM_CHECK_EXTENSION(KVM_CAP_EXIT_HYPERCALL)).</summary>
    public const ulong SupportedMask = 1UL << (int)MapGpaRange;

    /// <summary>-KVM_ENOSYS: not enabled / unknown hypercall.</summary>
    public const long ENoSys = -1000;

    /// <summary>-KVM_EINVAL: malformed arguments.</summary>
    public const long EInval = -22;

    /// <summary>KVM_EXIT_HYPERCALL_LONG_MODE.</summary>
    public const ulong LongModeFlag = 1;

    private ulong _exitMask;

    /// <summary>The enabled forwarding mask.</summary>
    public ulong ExitMask => Volatile.Read(ref _exitMask);

    /// <summary>KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL, <paramref name="mask"/>).</summary>
    /// <exception cref="GmemException">EINVAL when the mask has bits outside <see cref="SupportedMask"/>.</exception>
    public void Enable(ulong mask)
    {
        if ((mask & ~SupportedMask) != 0)
        {
            throw new GmemException("KVM_ENABLE_CAP", Errno.EINVAL, $"hypercall mask 0x{mask:x} is not a subset of 0x{SupportedMask:x}.");
        }
        Volatile.Write(ref _exitMask, mask);
    }

    /// <summary>
    /// A guest hypercall: either completes with <paramref name="ret"/> (returns null) or is forwarded
    /// (returns the exit; its Ret goes to the guest on the next run).
    /// </summary>
    public VcpuExit.Hypercall? Handle(ulong nr, ReadOnlySpan<ulong> args, out long ret)
    {
        if (nr != MapGpaRange || (ExitMask & SupportedMask) == 0)
        {
            ret = ENoSys;
            return null;
        }
        ulong gpa = args[0];
        ulong pages = args[1];
        ulong gfn = gpa >> Page.Shift;
        if (!Page.IsAligned(gpa) || pages == 0 || gfn + pages <= gfn)
        {
            ret = EInval;
            return null;
        }
        ret = 0;
        return new VcpuExit.Hypercall(nr, [args[0], args[1], args[2], args[3], args[4], args[5]], LongModeFlag);
    }
}
