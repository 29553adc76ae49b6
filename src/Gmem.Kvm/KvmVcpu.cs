using System.Runtime.InteropServices;
using Gmem.Kvm.Interop;

namespace Gmem.Kvm;

/// <summary>
/// A KVM vCPU: its fd and its <c>kvm_run</c> page (mmap-ed, held by a <see cref="SafeBuffer"/>). Registers,
/// special registers and CPUID are read and written with the vCPU ioctls; <see cref="Run"/> (in
/// KvmVcpu.Run.cs) is one <c>KVM_RUN</c>. Threading: <see cref="Run"/> and the register calls belong to one
/// thread at a time; <see cref="RequestExit"/> may be called from any thread.
/// </summary>
public sealed unsafe partial class KvmVcpu : IVcpu
{
    private readonly KvmHypervisor _hypervisor;
    private readonly FileDescriptorHandle _vcpu;
    private readonly MappedMemory _runMemory;
    private readonly MemslotBackings _vm;
    private int _disposed;

    internal KvmVcpu(KvmHypervisor hypervisor, FileDescriptorHandle vcpu, MappedMemory runMemory, int id, MemslotBackings vm)
    {
        _hypervisor = hypervisor;
        _vcpu = vcpu;
        _runMemory = runMemory;
        Id = id;
        _vm = vm;
        _vm.Retain();
    }

    /// <inheritdoc/>
    public int Id { get; }

    /// <summary>The vCPU's file descriptor.</summary>
    public int Fd => _vcpu.Number;

    /// <summary><c>KVM_GET_REGS</c>.</summary>
    public X86Registers GetRegisters()
    {
        kvm_regs raw;
        VcpuIoctl(KvmIoctls.KVM_GET_REGS, &raw, "KVM_GET_REGS");
        return new X86Registers
        {
            Rax = raw.rax, Rbx = raw.rbx, Rcx = raw.rcx, Rdx = raw.rdx,
            Rsi = raw.rsi, Rdi = raw.rdi, Rsp = raw.rsp, Rbp = raw.rbp,
            R8 = raw.r8, R9 = raw.r9, R10 = raw.r10, R11 = raw.r11,
            R12 = raw.r12, R13 = raw.r13, R14 = raw.r14, R15 = raw.r15,
            Rip = raw.rip, Rflags = raw.rflags,
        };
    }

    /// <summary><c>KVM_SET_REGS</c>.</summary>
    public void SetRegisters(in X86Registers registers)
    {
        kvm_regs raw = new()
        {
            rax = registers.Rax, rbx = registers.Rbx, rcx = registers.Rcx, rdx = registers.Rdx,
            rsi = registers.Rsi, rdi = registers.Rdi, rsp = registers.Rsp, rbp = registers.Rbp,
            r8 = registers.R8, r9 = registers.R9, r10 = registers.R10, r11 = registers.R11,
            r12 = registers.R12, r13 = registers.R13, r14 = registers.R14, r15 = registers.R15,
            rip = registers.Rip, rflags = registers.Rflags,
        };
        VcpuIoctl(KvmIoctls.KVM_SET_REGS, &raw, "KVM_SET_REGS");
    }

    /// <summary><c>KVM_GET_SREGS</c>.</summary>
    public X86SpecialRegisters GetSpecialRegisters()
    {
        kvm_sregs raw;
        VcpuIoctl(KvmIoctls.KVM_GET_SREGS, &raw, "KVM_GET_SREGS");
        return new X86SpecialRegisters
        {
            Cs = FromRaw(raw.cs), Ds = FromRaw(raw.ds), Es = FromRaw(raw.es), Fs = FromRaw(raw.fs),
            Gs = FromRaw(raw.gs), Ss = FromRaw(raw.ss), Tr = FromRaw(raw.tr), Ldt = FromRaw(raw.ldt),
            Gdt = new X86DescriptorTable { Base = raw.gdt.@base, Limit = raw.gdt.limit },
            Idt = new X86DescriptorTable { Base = raw.idt.@base, Limit = raw.idt.limit },
            Cr0 = raw.cr0, Cr2 = raw.cr2, Cr3 = raw.cr3, Cr4 = raw.cr4, Cr8 = raw.cr8,
            Efer = raw.efer, ApicBase = raw.apic_base,
            InterruptBitmap0 = raw.interrupt_bitmap[0], InterruptBitmap1 = raw.interrupt_bitmap[1],
            InterruptBitmap2 = raw.interrupt_bitmap[2], InterruptBitmap3 = raw.interrupt_bitmap[3],
        };
    }

    /// <summary><c>KVM_SET_SREGS</c>.</summary>
    public void SetSpecialRegisters(in X86SpecialRegisters registers)
    {
        kvm_sregs raw = new()
        {
            cs = ToRaw(registers.Cs), ds = ToRaw(registers.Ds), es = ToRaw(registers.Es), fs = ToRaw(registers.Fs),
            gs = ToRaw(registers.Gs), ss = ToRaw(registers.Ss), tr = ToRaw(registers.Tr), ldt = ToRaw(registers.Ldt),
            gdt = new kvm_dtable { @base = registers.Gdt.Base, limit = registers.Gdt.Limit },
            idt = new kvm_dtable { @base = registers.Idt.Base, limit = registers.Idt.Limit },
            cr0 = registers.Cr0, cr2 = registers.Cr2, cr3 = registers.Cr3, cr4 = registers.Cr4, cr8 = registers.Cr8,
            efer = registers.Efer, apic_base = registers.ApicBase,
        };
        raw.interrupt_bitmap[0] = registers.InterruptBitmap0;
        raw.interrupt_bitmap[1] = registers.InterruptBitmap1;
        raw.interrupt_bitmap[2] = registers.InterruptBitmap2;
        raw.interrupt_bitmap[3] = registers.InterruptBitmap3;
        VcpuIoctl(KvmIoctls.KVM_SET_SREGS, &raw, "KVM_SET_SREGS");
    }

    /// <summary><c>KVM_SET_CPUID2</c>: the CPUID leaves the guest sees.</summary>
    public void SetCpuid(IReadOnlyList<X86CpuidEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        int bytes = sizeof(kvm_cpuid2) + (entries.Count * sizeof(kvm_cpuid_entry2));
        byte* buffer = (byte*)NativeMemory.AllocZeroed((nuint)bytes);
        try
        {
            ((kvm_cpuid2*)buffer)->nent = (uint)entries.Count;
            kvm_cpuid_entry2* raw = (kvm_cpuid_entry2*)(buffer + sizeof(kvm_cpuid2));
            for (int i = 0; i < entries.Count; i++)
            {
                X86CpuidEntry e = entries[i];
                raw[i] = new kvm_cpuid_entry2
                {
                    function = e.Function, index = e.Index, flags = e.Flags, eax = e.Eax, ebx = e.Ebx, ecx = e.Ecx, edx = e.Edx,
                };
            }
            VcpuIoctl(KvmIoctls.KVM_SET_CPUID2, buffer, "KVM_SET_CPUID2");
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }

    /// <summary>
    /// Gives the guest every CPUID leaf the host supports (<c>KVM_GET_SUPPORTED_CPUID</c> → <c>KVM_SET_CPUID2</c>),
    /// with the long-mode bit (leaf 0x8000_0001 EDX bit 29) set: a guest cannot enter long mode without it.
    /// Returns the leaves set.
    /// </summary>
    public IReadOnlyList<X86CpuidEntry> SetupCpuid()
    {
        var entries = new List<X86CpuidEntry>(_hypervisor.GetSupportedCpuid());
        int extended = entries.FindIndex(e => e.Function == X86CpuidEntry.ExtendedFeaturesLeaf);
        if (extended < 0)
        {
            entries.Add(new X86CpuidEntry(X86CpuidEntry.ExtendedFeaturesLeaf, 0, 0, 0, 0, 0, X86CpuidEntry.LongModeBit));
        }
        else
        {
            entries[extended] = entries[extended] with { Edx = entries[extended].Edx | X86CpuidEntry.LongModeBit };
        }
        SetCpuid(entries);
        return entries;
    }

    /// <inheritdoc/>
    public void PreFaultMemory(ref ulong gpa, ref ulong size)
    {
        kvm_pre_fault_memory request = default;
        request.gpa = gpa;
        request.size = size;
        int result = _vcpu.Use((nint)(&request), static (fd, p) => Libc.ioctl(fd, KvmIoctls.KVM_PRE_FAULT_MEMORY, (void*)p));
        gpa = request.gpa;
        size = request.size;
        if (result < 0)
        {
            throw KvmError.Last("KVM_PRE_FAULT_MEMORY");
        }
    }

    /// <summary>Closes the vCPU fd and unmaps its <c>kvm_run</c> page.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _runMemory.Dispose();
            _vcpu.Dispose();
            _vm.Release();
        }
    }

    private void VcpuIoctl(uint request, void* argument, string operation) =>
        KvmError.Check(_vcpu.Use((request, (nint)argument), static (fd, a) => Libc.ioctl(fd, a.request, (void*)a.Item2)), operation);

    private static X86Segment FromRaw(in kvm_segment s) => new()
    {
        Base = s.@base, Limit = s.limit, Selector = s.selector, Type = s.type, Present = s.present != 0,
        Dpl = s.dpl, Db = s.db != 0, S = s.s != 0, L = s.l != 0, G = s.g != 0, Avl = s.avl != 0, Unusable = s.unusable != 0,
    };

    private static kvm_segment ToRaw(in X86Segment s) => new()
    {
        @base = s.Base, limit = s.Limit, selector = s.Selector, type = s.Type, present = B(s.Present),
        dpl = s.Dpl, db = B(s.Db), s = B(s.S), l = B(s.L), g = B(s.G), avl = B(s.Avl), unusable = B(s.Unusable),
    };

    private static byte B(bool value) => value ? (byte)1 : (byte)0;
}
