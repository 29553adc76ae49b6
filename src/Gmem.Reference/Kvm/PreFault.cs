// PreFault — KVM_PRE_FAULT_MEMORY (spec §2.15): map a range as for read faults of the vCPU,
// honouring private attributes, without running the guest.
//
// Semantics: checks (size 0, unaligned, wrapping → EINVAL); then page by page (a large leaf advances
// to the end of its block) until done or an error; gpa/size report the rest. Returns normally when at
// least one page was processed, otherwise throws the first page's error: ENOENT (no memslot / MMIO),
// the memory-fault errno (EFAULT, EHWPOISON, …). Retries are handled internally (like the kernel's
// RET_PF_RETRY loop) and bounded; a range that keeps racing returns EAGAIN.
//
// Locking: none of its own; FaultPath takes the mmu lock to install.
namespace Gmem.Reference.Kvm;

/// <summary>KVM_PRE_FAULT_MEMORY for one VM (see file header).</summary>
internal sealed class PreFault
{
    private const string Operation = "KVM_PRE_FAULT_MEMORY";
    private const int MaxRetries = 10_000;

    private readonly FaultPath _faults;
    private readonly bool _hasPrivateMemory;

    /// <summary>Creates the pre-fault operation over <paramref name="faults"/>.</summary>
    public PreFault(FaultPath faults, bool hasPrivateMemory)
    {
        _faults = faults;
        _hasPrivateMemory = hasPrivateMemory;
    }

    /// <summary>Pre-faults [gpa, gpa + size); on return they describe what is left.</summary>
    /// <exception cref="GmemException">EINVAL for bad input; the first page's error when no page was done.</exception>
    public void Run(ref ulong gpa, ref ulong size, Func<bool>? interrupted = null)
    {
        if (size == 0 || !Page.IsAligned(gpa) || !Page.IsAligned(size) || gpa + size < gpa)
        {
            throw new GmemException(Operation, Errno.EINVAL, $"[0x{gpa:x}, +0x{size:x}) is empty, unaligned or wraps.");
        }
        bool progressed = false;
        int retries = 0;
        while (size > 0)
        {
            if (interrupted?.Invoke() == true)
            {
                Stop(progressed, Errno.EINTR);
                return;
            }
            Gfn gfn = _faults.GfnOf(new Gpa(gpa));
            // A read fault of the current context: private VMs follow the attribute.
            FaultOutcome outcome = _faults.Handle(gfn, _hasPrivateMemory ? null : false, write: false);
            switch (outcome.Status)
            {
                case FaultStatus.Mapped:
                    ulong blockBytes = Stage2Leaf.PagesAt(outcome.Level) << Page.Shift;
                    ulong end = (gpa & ~(blockBytes - 1)) + blockBytes;
                    ulong done = Math.Min(end - gpa, size);
                    gpa += done;
                    size -= done;
                    progressed = true;
                    retries = 0;
                    break;
                case FaultStatus.Retry:
                    if (++retries > MaxRetries)
                    {
                        Stop(progressed, Errno.EAGAIN);
                        return;
                    }
                    Thread.Yield();
                    break;
                case FaultStatus.Mmio:
                    Stop(progressed, Errno.ENOENT);
                    return;
                default:
                    Stop(progressed, ((VcpuExit.MemoryFault)outcome.Exit!).Errno);
                    return;
            }
        }
    }

    private static void Stop(bool progressed, Errno errno)
    {
        if (!progressed)
        {
            throw new GmemException(Operation, errno);
        }
    }
}
