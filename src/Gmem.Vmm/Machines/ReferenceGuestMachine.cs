// The Reference half of a MicroVm: a SW_PROTECTED VM on the managed platform, guest memory in one guest
// memory file, a bytecode vCPU, and the two conversion models of the design:
//
//   PerVm (model A, TDX/SEV-SNP): private pages in the guest memory file, shared pages in a separate pool
//     (anonymous memory behind the memslot's userspace_addr); KVM_SET_MEMORY_ATTRIBUTES converts, and the
//     stale side is discarded (punch hole after to-shared, MADV_DONTNEED after to-private).
//   PerFile (model B, pKVM/Gunyah): one pool; the file is mapped by the host, the per-file attribute decides
//     what the host may touch, conversion is in place (content kept) and refused with EAGAIN while someone
//     else holds a page.
//
// The program is compiled to bytecode and loaded into private memory with populate, as a confidential
// VM's launch does.
using Gmem.Reference;
using Gmem.Reference.Kvm;
using Gmem.Vmm.Conversions;
using Gmem.Vmm.Maps;
using Gmem.Vmm.Programs;
using Gmem.Vmm.Scenarios;

namespace Gmem.Vmm.Machines;

internal sealed class ReferenceGuestMachine : IGuestMachine, IConversionBackend
{
    private static readonly Gpa s_code = new(0x1000);

    private readonly IHostProcess _host;
    private readonly IVirtualMachine _vm;
    private readonly IGuestMemfd _memory;
    private readonly HostMapping _hostView;
    private readonly Vcpu[] _vcpus;
    private readonly SharedWindows _shared;
    private readonly bool _inPlace;
    private readonly bool _confidential;
    private readonly ulong _folioBytes;

    public ReferenceGuestMachine(ReferenceHypervisor hypervisor, MicroVmOptions options, IReadOnlyList<GuestProgram> programs)
    {
        _vcpus = new Vcpu[programs.Count];
        _host = hypervisor.Host;
        _inPlace = hypervisor.Options.AttributeModel == AttributeModel.PerFile;
        _confidential = options.Mode == ConfidentialityMode.Private;
        _shared = new SharedWindows(options.MemoryBytes);
        GuestMemfdFlags huge = options.HugePageBytes switch
        {
            0 => GuestMemfdFlags.None,
            (ulong)Page.Size2M => GuestMemfdFlags.Hugetlb2M,
            (ulong)Page.Size1G => GuestMemfdFlags.Hugetlb1G,
            _ => throw new ArgumentException($"Huge pages are 2 MiB or 1 GiB, not {options.HugePageBytes} bytes.", nameof(options)),
        };
        _folioBytes = Math.Max(options.HugePageBytes, (ulong)Page.Size);
        _vm = hypervisor.CreateVm(VmType.SwProtected);
        try
        {
            if (_inPlace)
            {
                // One pool: the file is the memory, mapped by the host; the slot is gmem-only.
                _memory = _vm.CreateGuestMemfd((long)options.MemoryBytes, GuestMemfdFlags.Mmap | huge | (_confidential ? 0 : GuestMemfdFlags.InitShared));
                _hostView = _memory.Map(0, (long)options.MemoryBytes);
                _vm.SetUserMemoryRegion(new UserMemoryRegion(0, MemslotFlags.GuestMemfd, 0, options.MemoryBytes, 0, 0, _memory.Fd));
            }
            else
            {
                // Two pools: private frames in the file (never mappable), shared ones behind userspace_addr.
                _memory = _vm.CreateGuestMemfd((long)options.MemoryBytes, huge | (_confidential ? GuestMemfdFlags.NoDirectMap : 0));
                _hostView = _host.MapAnonymous((long)options.MemoryBytes);
                _vm.SetUserMemoryRegion(new UserMemoryRegion(0, MemslotFlags.GuestMemfd, 0, options.MemoryBytes, _hostView.Address.Value, 0, _memory.Fd));
                if (_confidential)
                {
                    _vm.SetMemoryAttributes(0, options.MemoryBytes, MemoryAttributes.Private);
                }
            }
            _shared.Set(new GpaRange(default, options.MemoryBytes), shared: !_confidential);
            _vm.EnableCapability(Capability.ExitHypercall, 1UL << (int)VcpuExit.Hypercall.MapGpaRange);
            // Each vCPU's program on pages of its own, one after the other from s_code.
            Gpa code = s_code;
            for (int i = 0; i < programs.Count; i++)
            {
                CompiledGuestProgram compiled = programs[i].Compile(new BytecodeProgramBackend(code));
                Load(compiled);
                _vcpus[i] = (Vcpu)_vm.CreateVcpu(i);
                _vcpus[i].Cpu.InstructionPointer = compiled.Entry;
                code = new Gpa(Page.CountPages(compiled.Chunks.Max(c => c.End).Value) << Page.Shift);
            }
            foreach (GpaRange window in options.SharedWindows)
            {
                Convert(window, toPrivate: false);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Platform => "reference";

    /// <summary>The Reference VM.</summary>
    public IVirtualMachine Vm => _vm;

    public IConversionBackend Conversions => this;

    public IReadOnlyList<string> Guarantees => _inPlace
        ?
        [
            "Private pages are reached only by the guest: the host's mapping of the guest memory file faults (SIGBUS as HostAccessFault) on every private page, checked on the host page tables (invariant 2).",
            "Conversion is in place (pKVM, Gunyah): the same frame changes kind and keeps its content; a page someone else holds blocks conversion to private with EAGAIN and the offset.",
        ]
        :
        [
            "Private pages live only in the guest memory file, which the host cannot map (ENODEV); no host page table reaches them (invariant 2, checked).",
            "Private frames leave the kernel direct map while private (NoDirectMap); kernel copies of them fail with EFAULT.",
            "Shared pages come from a separate pool behind the memslot's userspace_addr (TDX, SEV-SNP): converting discards the stale side (punch hole, MADV_DONTNEED), so no page is ever populated twice.",
        ];

    public int VcpuCount => _vcpus.Length;

    public VcpuExit Run(int vcpu) => _vcpus[vcpu].Run();

    public void RequestExit()
    {
        foreach (Vcpu vcpu in _vcpus)
        {
            vcpu?.RequestExit();
        }
    }

    public VcpuExit? Translate(int vcpu, VcpuExit exit) => exit;

    public void ReadShared(Gpa address, Span<byte> destination)
    {
        _shared.RequireShared(address, (ulong)destination.Length);
        _hostView.Read((long)address.Value, destination);
    }

    public void WriteShared(Gpa address, ReadOnlySpan<byte> source)
    {
        _shared.RequireShared(address, (ulong)source.Length);
        _hostView.Write((long)address.Value, source);
    }

    public GuestMemoryMap Map() => new(ReferenceInspector.Mappings(_vm, default, _shared.MemoryBytes).Select(m =>
        new MemoryMapRange(m.Start, m.Length, m.IsPrivate ? MemoryKind.Private : MemoryKind.Shared, m.LeafBytes)));

    public IReadOnlyList<GpaRange> HostVisiblePrivateRanges() =>
        [.. ReferenceInspector.HostVisiblePrivatePages(_vm).Select(gfn => new GpaRange(gfn.Gpa, Page.Size))];

    public IReadOnlyList<GpaRange> Pending(GpaRange range, bool toPrivate)
    {
        MicroVmOptions.CheckConvertible(range);
        return _shared.Runs(range, shared: toPrivate);
    }

    public void Convert(GpaRange range, bool toPrivate)
    {
        if (!_confidential && toPrivate)
        {
            throw new GmemException("MAP_GPA_RANGE", Errno.EINVAL, $"{range} cannot become private: the VM is all shared.");
        }
        MicroVmOptions.CheckConvertible(range);
        _shared.Check(range);   // EINVAL outside guest memory, before anything changes
        if (_inPlace)
        {
            _memory.SetMemoryAttributes((long)range.Start.Value, (long)range.Length, toPrivate ? MemoryAttributes.Private : MemoryAttributes.None);
        }
        else
        {
            // The private copy is discarded by punching it; the Reference file refuses to punch part of a huge
            // folio (it does not split folios yet), so such a conversion is refused before anything changes.
            if (!toPrivate && (!range.Start.IsAligned(_folioBytes) || range.Length % _folioBytes != 0))
            {
                throw new GmemException("MAP_GPA_RANGE", Errno.EINVAL,
                    $"{range} covers part of a {_folioBytes >> 10} KiB folio: discarding its private copy needs a folio split.");
            }
            var (to, back) = toPrivate ? (MemoryAttributes.Private, MemoryAttributes.None) : (MemoryAttributes.None, MemoryAttributes.Private);
            _vm.SetMemoryAttributes(range.Start.Value, range.Length, to);
            try
            {
                if (toPrivate)
                {
                    _host.Advise(_hostView.Address + range.Start.Value, (long)range.Length, MemoryAdvice.DontNeed);
                }
                else
                {
                    _memory.Fallocate(FallocateMode.PunchHole, (long)range.Start.Value, (long)range.Length);
                }
            }
            catch (GmemException)
            {
                _vm.SetMemoryAttributes(range.Start.Value, range.Length, back);   // all or nothing
                throw;
            }
        }
        _shared.Set(range, shared: !toPrivate);
    }

    public void Dispose()
    {
        foreach (Vcpu vcpu in _vcpus)
        {
            vcpu?.Dispose();
        }
        _hostView?.Dispose();
        _memory?.Dispose();
        _vm.Dispose();
    }

    private void Load(CompiledGuestProgram compiled)
    {
        foreach (GuestProgramChunk chunk in compiled.Chunks)
        {
            if (chunk.End.Value > MicroVmOptions.ReservedBytes)
            {
                throw new ArgumentException($"The program's code [{chunk.Address}, {chunk.End}) does not fit below 0x{MicroVmOptions.ReservedBytes:x}.");
            }
            byte[] pages = new byte[Page.CountPages((ulong)chunk.Bytes.Length) << Page.Shift];
            chunk.Bytes.Span.CopyTo(pages);
            if (_confidential)
            {
                ReferenceInspector.Populate(_vm, chunk.Address, pages);
            }
            else
            {
                _hostView.Write((long)chunk.Address.Value, pages);
            }
        }
    }
}
