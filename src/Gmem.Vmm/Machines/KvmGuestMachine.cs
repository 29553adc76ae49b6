// The Kvm half of a MicroVm: an x86-64 guest at CPL3 running from one guest_memfd (MMAP|INIT_SHARED).
//
// Host isolation on a kernel without private attributes (6.18): the VMM itself keeps private ranges out of
// its address space. The data region's memslot has userspace_addr = 0, so the guest reaches it through
// guest_memfd alone; the VMM maps only the shared windows (and the system/code region, which KVM's
// emulator on this host fetches through the host mapping). Converting to shared maps the range; converting
// to private unmaps it. HostVisiblePrivateRanges checks the claim against /proc/self/maps, i.e. the
// kernel's own list of this process's mappings of the guest_memfd's inode.
using System.Globalization;
using Gmem.Kvm;
using Gmem.Vmm.Conversions;
using Gmem.Vmm.Maps;
using Gmem.Vmm.Programs;
using Gmem.Vmm.Scenarios;
using Gmem.Vmm.X86;

namespace Gmem.Vmm.Machines;

internal sealed class KvmGuestMachine : IGuestMachine, IConversionBackend
{
    private readonly KvmVm _vm;
    private readonly X86Guest _guest;
    private readonly SharedWindows _shared;
    private readonly List<(GpaRange Range, HostMapping Mapping)> _windows = [];
    private readonly X86ConversionDecoder[] _decoders;
    private readonly KvmVcpu[] _vcpus;
    private readonly bool _confidential;
    private readonly ulong _inode;

    public KvmGuestMachine(KvmHypervisor kvm, MicroVmOptions options, IReadOnlyList<GuestProgram> programs)
    {
        _decoders = [.. programs.Select(_ => new X86ConversionDecoder())];
        _vcpus = new KvmVcpu[programs.Count];
        var layout = new X86GuestLayout { MemoryBytes = options.MemoryBytes, CodeBytes = MicroVmOptions.ReservedBytes - 0x20000 };
        var backend = new X86ProgramBackend(layout.Code, X86ConversionCall.PortIo);
        _confidential = options.Mode == ConfidentialityMode.Private;
        _vm = kvm.CreateVm();
        try
        {
            _guest = X86Guest.Create(_vm, new X86GuestOptions { Layout = layout, Privilege = X86PrivilegeLevel.User, MapData = !_confidential },
                a => backend.EmitPerVcpu(a, programs));
            _vcpus[0] = _guest.Vcpu;
            for (int i = 1; i < programs.Count; i++)
            {
                _vcpus[i] = _guest.AddVcpu(i, (ulong)i);
            }
            _inode = kvm.Host.FileStat(_guest.Memory.Fd).Inode;
            _shared = new SharedWindows(options.MemoryBytes);
            _shared.Set(new GpaRange(default, _confidential ? layout.Data.Value : options.MemoryBytes), shared: true);
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

    public string Platform => "kvm";

    public IConversionBackend Conversions => this;

    public IReadOnlyList<string> Guarantees =>
    [
        "Private guest pages are in no mapping of the VMM process: the data memslot has userspace_addr 0 and only shared windows are mmap-ed (checked against /proc/self/maps).",
        "The guest runs at CPL3 and reaches its memory through guest_memfd directly.",
        "Not enforced by this kernel: it has no private memory attributes, so the guest_memfd (INIT_SHARED) could still be mapped, and every page stays in the kernel direct map.",
        $"The page tables and code below 0x{MicroVmOptions.ReservedBytes:x} stay host-mapped: KVM's instruction emulator on this host fetches through the host mapping.",
    ];

    public int VcpuCount => _vcpus.Length;

    public VcpuExit Run(int vcpu) => _vcpus[vcpu].Run();

    public void RequestExit()
    {
        foreach (KvmVcpu vcpu in _vcpus)
        {
            vcpu?.RequestExit();
        }
    }

    public VcpuExit? Translate(int vcpu, VcpuExit exit) =>
        _decoders[vcpu].TryAccept(exit, out VcpuExit.Hypercall? request) ? request : exit;

    public void ReadShared(Gpa address, Span<byte> destination)
    {
        foreach (var (mapping, offset, part) in Locate(address, (ulong)destination.Length))
        {
            mapping.Read(offset, destination.Slice((int)(part.Start - address), (int)part.Length));
        }
    }

    public void WriteShared(Gpa address, ReadOnlySpan<byte> source)
    {
        foreach (var (mapping, offset, part) in Locate(address, (ulong)source.Length))
        {
            mapping.Write(offset, source.Slice((int)(part.Start - address), (int)part.Length));
        }
    }

    public GuestMemoryMap Map()
    {
        var all = new GpaRange(default, _shared.MemoryBytes);
        // The stage-2 tables of the real kernel are not visible from user space: no mapping level is claimed.
        return new GuestMemoryMap(_shared.Runs(all, shared: true).Select(r => new MemoryMapRange(r.Start, r.Length, MemoryKind.Shared, 0))
            .Concat(_shared.Runs(all, shared: false).Select(r => new MemoryMapRange(r.Start, r.Length, MemoryKind.Private, 0))));
    }

    public IReadOnlyList<GpaRange> HostVisiblePrivateRanges()
    {
        var visible = new List<GpaRange>();
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            // start-end perms offset dev inode path
            string[] f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5 || !ulong.TryParse(f[4], CultureInfo.InvariantCulture, out ulong inode) || inode != _inode)
            {
                continue;
            }
            string[] bounds = f[0].Split('-');
            ulong length = ulong.Parse(bounds[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                - ulong.Parse(bounds[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong offset = ulong.Parse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            // The file is all of guest memory from GPA 0: file offset = GPA.
            ulong end = Math.Min(offset + length, _shared.MemoryBytes);
            if (offset < end)
            {
                visible.AddRange(_shared.Runs(new GpaRange(new Gpa(offset), end - offset), shared: false));
            }
        }
        return visible;
    }

    public IReadOnlyList<GpaRange> Pending(GpaRange range, bool toPrivate)
    {
        MicroVmOptions.CheckConvertible(range);
        return _shared.Runs(range, shared: toPrivate);
    }

    public void Convert(GpaRange range, bool toPrivate)
    {
        if (!_confidential)
        {
            if (toPrivate)
            {
                throw new GmemException("MAP_GPA_RANGE", Errno.EINVAL, $"{range} cannot become private: the VM is all shared.");
            }
            return;
        }
        MicroVmOptions.CheckConvertible(range);
        _shared.Set(range, shared: !toPrivate);
        if (toPrivate)
        {
            // Unmap every window that reaches into the range; map back what lies outside it.
            foreach (var window in _windows.Where(w => w.Range.Overlaps(range)).ToList())
            {
                _windows.Remove(window);
                window.Mapping.Dispose();
                if (window.Range.Start < range.Start)
                {
                    MapWindow(new GpaRange(window.Range.Start, range.Start - window.Range.Start));
                }
                if (window.Range.End > range.End)
                {
                    MapWindow(new GpaRange(range.End, window.Range.End - range.End));
                }
            }
        }
        else
        {
            MapWindow(range);
        }
    }

    public void Dispose()
    {
        foreach (var window in _windows)
        {
            window.Mapping.Dispose();
        }
        _windows.Clear();
        _guest?.Dispose();
        _vm.Dispose();
    }

    private void MapWindow(GpaRange range) =>
        _windows.Add((range, _guest.Memory.Map((long)range.Start.Value, (long)range.Length)));

    private IEnumerable<(HostMapping Mapping, long Offset, GpaRange Part)> Locate(Gpa address, ulong length)
    {
        _shared.RequireShared(address, length);
        var wanted = new GpaRange(address, length);
        var mapped = _windows.Prepend((Range: new GpaRange(default, (ulong)_guest.Mapping.Length), Mapping: _guest.Mapping));
        Gpa cursor = address;
        while (cursor < wanted.End)
        {
            var (range, mapping) = mapped.First(m => m.Range.Start <= cursor && cursor < m.Range.End);
            ulong take = Math.Min(wanted.End.Value, range.End.Value) - cursor.Value;
            yield return (mapping, (long)(cursor - range.Start), new GpaRange(cursor, take));
            cursor += take;
        }
    }
}
