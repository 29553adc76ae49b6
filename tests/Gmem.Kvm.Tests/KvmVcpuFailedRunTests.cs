using System.Runtime.InteropServices;
using Gmem.Kvm.Interop;

namespace Gmem.Kvm.Tests;

/// <summary>
/// How a failed KVM_RUN maps to an exit, on a synthetic <c>kvm_run</c> (this host cannot produce a
/// KVM_EXIT_MEMORY_FAULT: its default VMs have no private memory and CPL0 guests reach gmem through
/// userspace_addr). The layout tests pin the offsets this relies on.
/// </summary>
public unsafe class KvmVcpuFailedRunTests
{
    private static T WithRun<T>(Func<nint, T> body)
    {
        nint run = (nint)NativeMemory.AllocZeroed((nuint)sizeof(kvm_run));
        try
        {
            return body(run);
        }
        finally
        {
            NativeMemory.Free((void*)run);
        }
    }

    private static void SetFault(nint run, uint reason, ulong flags, ulong gpa, ulong size)
    {
        var p = (kvm_run*)run;
        p->exit_reason = reason;
        var fault = (kvm_run_memory_fault*)((byte*)p + KvmConstants.KVM_RUN_UNION_OFFSET);
        fault->flags = flags;
        fault->gpa = gpa;
        fault->size = size;
    }

    [Theory]
    [InlineData(Errno.EFAULT)]
    [InlineData(Errno.EHWPOISON)]
    public void FailedRunExit_ErrnoWithReason39_MemoryFaultWithFields(Errno errno)
    {
        VcpuExit? exit = WithRun(run =>
        {
            SetFault(run, 39, 1UL << 3, 0xC000_0000, 4096);
            return KvmVcpu.FailedRunExit((kvm_run*)run, errno);
        });
        var fault = Assert.IsType<VcpuExit.MemoryFault>(exit);
        Assert.Equal(new Gpa(0xC000_0000), fault.Address);
        Assert.Equal(4096ul, fault.Size);
        Assert.True(fault.IsPrivate);
        Assert.Equal(errno, fault.Errno);
    }

    [Theory]
    [InlineData(Errno.EFAULT, 2u)]      // stale IO exit reason: a real error
    [InlineData(Errno.EINVAL, 39u)]     // reason 39 with another errno is stale too
    [InlineData(Errno.ENOMEM, 39u)]
    [InlineData(Errno.EAGAIN, 0u)]
    public void FailedRunExit_OtherCombinations_NoExitSoRunThrows(Errno errno, uint reason)
    {
        VcpuExit? exit = WithRun(run =>
        {
            SetFault(run, reason, 0, 0x1000, 4096);
            return KvmVcpu.FailedRunExit((kvm_run*)run, errno);
        });
        Assert.Null(exit);
    }

    [Fact]
    public void FailedRunExit_Eintr_InterruptedAndImmediateExitCleared()
    {
        (VcpuExit? exit, byte immediate) = WithRun(run =>
        {
            ((kvm_run*)run)->immediate_exit = 1;
            VcpuExit? e = KvmVcpu.FailedRunExit((kvm_run*)run, Errno.EINTR);
            return (e, ((kvm_run*)run)->immediate_exit);
        });
        Assert.Same(VcpuExit.Interrupted.Instance, exit);
        Assert.Equal(0, immediate);
    }
}
