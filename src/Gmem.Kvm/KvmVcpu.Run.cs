using System.Runtime.InteropServices;
using Gmem.Kvm.Interop;

namespace Gmem.Kvm;

// KVM_RUN and its exits. The port-I/O path is hot (a guest doing port I/O exits every few microseconds):
// an Io exit object and its data array are reused by the next exit with the same direction, port, size and
// count, so a steady stream of identical exits allocates nothing. An exit value is therefore valid until the
// next Run(); copy what you keep.
//
// Data going back to the guest (IN data, MMIO read data, the hypercall return value) is written into kvm_run
// at the start of the next Run(), before KVM_RUN, which is when KVM completes the pending instruction.
//
// RequestExit: kvm_run.immediate_exit is read by KVM only when KVM_RUN starts, so on its own it stops the
// *next* run; a run already inside the kernel is kicked with a signal (VcpuKick), which makes KVM leave guest
// mode at its next check and return EINTR. What neither can interrupt: KVM's own work between two checks
// (e.g. one emulated instruction, a page fault being resolved) — the exit comes after it. Both ways end in
// VcpuExit.Interrupted, after which immediate_exit is cleared so the following Run() enters the guest again.
// Any other signal delivered to the running thread (the runtime's, SIGCHLD from Process, ...) also ends a run
// with EINTR, so Interrupted can come without a request: callers re-run.
public sealed unsafe partial class KvmVcpu
{
    private PendingCompletion _pending;
    private VcpuExit.Io? _lastIo;
    private VcpuExit.Mmio? _lastMmio;
    private VcpuExit.Hypercall? _lastHypercall;
    private int _runningThreadId;

    private enum PendingCompletion
    {
        None,
        IoIn,
        MmioRead,
        Hypercall,
    }

    /// <inheritdoc/>
    public VcpuExit Run()
    {
        bool runAdded = false;
        bool fdAdded = false;
        try
        {
            // SAFETY: both references keep the kvm_run mapping and the vCPU fd alive for the whole KVM_RUN, so a
            // concurrent Dispose cannot unmap the page the kernel and this method write.
            _runMemory.DangerousAddRef(ref runAdded);
            _vcpu.DangerousAddRef(ref fdAdded);
            // SAFETY: the handle is the start of the live kvm_run mapping (referenced above).
            kvm_run* run = (kvm_run*)_runMemory.DangerousGetHandle();
            CompletePending(run);

            // Full fence (Dekker with RequestExit): either RequestExit sees this thread id and kicks it, or
            // KVM_RUN sees immediate_exit.
            Interlocked.Exchange(ref _runningThreadId, VcpuKick.CurrentThreadId);
            int result = Libc.ioctl(_vcpu.Number, KvmIoctls.KVM_RUN, (nuint)0);
            Errno errno = result < 0 ? (Errno)Marshal.GetLastPInvokeError() : 0;
            Volatile.Write(ref _runningThreadId, 0);

            return result < 0 ? Failed(run, errno) : Decode(run);
        }
        finally
        {
            if (fdAdded)
            {
                // SAFETY: releases the reference taken above.
                _vcpu.DangerousRelease();
            }
            if (runAdded)
            {
                // SAFETY: releases the reference taken above.
                _runMemory.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Makes the current or the next <see cref="Run"/> return <see cref="VcpuExit.Interrupted"/>: sets
    /// <c>kvm_run.immediate_exit</c> (read when KVM_RUN starts) and, if a thread is inside KVM_RUN, kicks it with
    /// SIGUSR2 so KVM leaves guest mode at its next check. It cannot cut short what KVM does between two checks
    /// (one emulated instruction, a fault being resolved). Safe from any thread.
    /// </summary>
    public void RequestExit()
    {
        bool added = false;
        try
        {
            // SAFETY: the reference keeps the kvm_run page mapped while immediate_exit is written.
            _runMemory.DangerousAddRef(ref added);
            // SAFETY: the handle is the start of the live kvm_run mapping.
            kvm_run* run = (kvm_run*)_runMemory.DangerousGetHandle();
            Volatile.Write(ref run->immediate_exit, 1);
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        finally
        {
            if (added)
            {
                // SAFETY: releases the reference taken above.
                _runMemory.DangerousRelease();
            }
        }
        Interlocked.MemoryBarrier();
        int tid = Volatile.Read(ref _runningThreadId);
        if (tid != 0)
        {
            VcpuKick.Kick(tid);
        }
    }

    private void CompletePending(kvm_run* run)
    {
        byte* union = (byte*)run + KvmConstants.KVM_RUN_UNION_OFFSET;
        switch (_pending)
        {
            case PendingCompletion.IoIn when _lastIo is not null:
                kvm_run_io* io = (kvm_run_io*)union;
                _lastIo.Data.AsSpan().CopyTo(new Span<byte>((byte*)run + io->data_offset, _lastIo.Data.Length));
                break;
            case PendingCompletion.MmioRead when _lastMmio is not null:
                kvm_run_mmio* mmio = (kvm_run_mmio*)union;
                _lastMmio.Data.AsSpan(0, Math.Min(_lastMmio.Data.Length, 8)).CopyTo(new Span<byte>(mmio->data, 8));
                break;
            case PendingCompletion.Hypercall when _lastHypercall is not null:
                ((kvm_run_hypercall*)union)->ret = (ulong)_lastHypercall.Ret;
                break;
            default:
                break;
        }
        _pending = PendingCompletion.None;
    }

    private VcpuExit Failed(kvm_run* run, Errno errno) =>
        FailedRunExit(run, errno) ?? throw new GmemException("KVM_RUN", errno, $"vCPU {Id}.");

    /// <summary>
    /// The exit a failed <c>KVM_RUN</c> (-1 with <paramref name="errno"/>) stands for, or null when it is an error:
    /// EINTR is <see cref="VcpuExit.Interrupted"/> (and answers a pending exit request); EFAULT or EHWPOISON with
    /// exit reason 39 is <see cref="VcpuExit.MemoryFault"/>. For any other errno the exit reason is stale (api.rst).
    /// </summary>
    internal static VcpuExit? FailedRunExit(kvm_run* run, Errno errno)
    {
        if (errno == Errno.EINTR)
        {
            Volatile.Write(ref run->immediate_exit, 0);
            return VcpuExit.Interrupted.Instance;
        }
        if ((errno == Errno.EFAULT || errno == Errno.EHWPOISON) && run->exit_reason == KvmConstants.KVM_EXIT_MEMORY_FAULT)
        {
            kvm_run_memory_fault* fault = (kvm_run_memory_fault*)((byte*)run + KvmConstants.KVM_RUN_UNION_OFFSET);
            return new VcpuExit.MemoryFault(new Gpa(fault->gpa), fault->size, fault->flags, errno);
        }
        return null;
    }

    private VcpuExit Decode(kvm_run* run)
    {
        byte* union = (byte*)run + KvmConstants.KVM_RUN_UNION_OFFSET;
        switch (run->exit_reason)
        {
            case KvmConstants.KVM_EXIT_IO:
                return DecodeIo(run, (kvm_run_io*)union);
            case KvmConstants.KVM_EXIT_HLT:
                return VcpuExit.Hlt.Instance;
            case KvmConstants.KVM_EXIT_MMIO:
                return DecodeMmio((kvm_run_mmio*)union);
            case KvmConstants.KVM_EXIT_HYPERCALL:
                kvm_run_hypercall* hc = (kvm_run_hypercall*)union;
                ulong[] args = new ulong[6];
                for (int i = 0; i < args.Length; i++)
                {
                    args[i] = hc->args[i];
                }
                _lastHypercall = new VcpuExit.Hypercall(hc->nr, args, hc->flags) { Ret = (long)hc->ret };
                _pending = PendingCompletion.Hypercall;
                return _lastHypercall;
            case KvmConstants.KVM_EXIT_SHUTDOWN:
                return VcpuExit.Shutdown.Instance;
            case KvmConstants.KVM_EXIT_INTERNAL_ERROR:
                kvm_run_internal* internalError = (kvm_run_internal*)union;
                ulong[] data = new ulong[Math.Min(internalError->ndata, 16u)];
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = internalError->data[i];
                }
                return new VcpuExit.InternalError(internalError->suberror, data);
            default:
                return new VcpuExit.Other(run->exit_reason);
        }
    }

    private VcpuExit.Io DecodeIo(kvm_run* run, kvm_run_io* io)
    {
        IoDirection direction = io->direction == KvmConstants.KVM_EXIT_IO_OUT ? IoDirection.Out : IoDirection.In;
        VcpuExit.Io? exit = _lastIo;
        if (exit is null || exit.Direction != direction || exit.Port != io->port || exit.Size != io->size || exit.Count != io->count)
        {
            exit = new VcpuExit.Io(direction, io->port, io->size, io->count, new byte[io->size * (int)io->count]);
            _lastIo = exit;
        }
        if (direction == IoDirection.Out)
        {
            new ReadOnlySpan<byte>((byte*)run + io->data_offset, exit.Data.Length).CopyTo(exit.Data);
        }
        else
        {
            Array.Clear(exit.Data);
            _pending = PendingCompletion.IoIn;
        }
        return exit;
    }

    private VcpuExit.Mmio DecodeMmio(kvm_run_mmio* mmio)
    {
        bool isWrite = mmio->is_write != 0;
        int length = (int)Math.Min(mmio->len, 8u);
        VcpuExit.Mmio? exit = _lastMmio;
        if (exit is null || exit.Address.Value != mmio->phys_addr || exit.Length != length || exit.IsWrite != isWrite)
        {
            exit = new VcpuExit.Mmio(new Gpa(mmio->phys_addr), length, isWrite, new byte[length]);
            _lastMmio = exit;
        }
        if (isWrite)
        {
            new ReadOnlySpan<byte>(mmio->data, length).CopyTo(exit.Data);
        }
        else
        {
            Array.Clear(exit.Data);
            _pending = PendingCompletion.MmioRead;
        }
        return exit;
    }
}
