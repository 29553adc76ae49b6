using System.Runtime.InteropServices;
using Gmem.Reference.Interop;
using Microsoft.Win32.SafeHandles;

namespace Gmem.Reference.Mm;

/// <summary>
/// The host memory behind one <see cref="PhysicalSegment"/>: a memfd (or hugetlb memfd) mapped shared,
/// or anonymous memory. Owns the fd and the mapping.
/// </summary>
internal sealed class ArenaSegment : IDisposable
{
    private readonly SafeFileHandle? _memfd;
    private readonly SafeBuffer? _mapping;

    private ArenaSegment(PhysicalSegment segment, SafeFileHandle? memfd, SafeBuffer? mapping)
    {
        Segment = segment;
        _memfd = memfd;
        _mapping = mapping;
        unsafe
        {
            // SAFETY: the pointer is only recorded here; it stays valid until Dispose releases the mapping,
            // and every user (PhysicalMemory) checks for disposal or holds a reference on the mapping.
            Base = mapping is null ? null : (byte*)mapping.DangerousGetHandle();
        }
    }

    public PhysicalSegment Segment { get; }

    public unsafe byte* Base { get; }

    public SafeBuffer? Mapping => _mapping;

    /// <summary>Creates the backing of <paramref name="frames"/> frames; huge = MFD_HUGE_* flag to try first, or 0.</summary>
    public static ArenaSegment Create(PhysicalSegmentKind kind, Pfn first, ulong frames, uint hugeFlag, string name)
    {
        if (frames == 0)
        {
            return new ArenaSegment(new PhysicalSegment(kind, first, 0, HostBacking.Memfd), null, null);
        }

        nuint length = (nuint)(frames << Page.Shift);
        if (OperatingSystem.IsLinux())
        {
            if (hugeFlag != 0 && TryMapMemfd(name, Libc.MFD_HUGETLB | hugeFlag, length, out SafeFileHandle? huge, out MappedMemory? hugeMap))
            {
                return new ArenaSegment(new PhysicalSegment(kind, first, frames, HostBacking.HugetlbMemfd), huge, hugeMap);
            }

            if (TryMapMemfd(name, 0, length, out SafeFileHandle? fd, out MappedMemory? map))
            {
                return new ArenaSegment(new PhysicalSegment(kind, first, frames, HostBacking.Memfd), fd, map);
            }

            nint anon = Libc.mmap_anonymous(0, length, Libc.PROT_READ | Libc.PROT_WRITE,
                Libc.MAP_SHARED | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE, -1, 0);
            if (anon == Libc.MAP_FAILED)
            {
                throw GmemException.FromErrno("mmap", Marshal.GetLastPInvokeError(), $"Cannot reserve {length} bytes for the frame arena.");
            }

            return new ArenaSegment(new PhysicalSegment(kind, first, frames, HostBacking.Anonymous), null, new MappedMemory(anon, length));
        }

        return new ArenaSegment(new PhysicalSegment(kind, first, frames, HostBacking.Anonymous), null, new NativeMemoryBuffer(length));
    }

    /// <summary>Maps <paramref name="bytes"/> at <paramref name="offset"/> of the memfd again.</summary>
    public SafeBuffer MapView(long offset, long bytes)
    {
        if (_memfd is null)
        {
            throw new GmemException("mmap", Errno.ENODEV, $"The {Segment.Kind} segment is anonymous memory and cannot be mapped again.");
        }

        nint address = Libc.mmap(0, (nuint)bytes, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, _memfd, offset);
        if (address == Libc.MAP_FAILED)
        {
            throw GmemException.FromErrno("mmap", Marshal.GetLastPInvokeError());
        }

        return new MappedMemory(address, (nuint)bytes);
    }

    /// <summary>Returns the memory of [offset, +bytes) to the host; it reads as zero afterwards. False if not possible.</summary>
    public bool TryDiscard(long offset, long bytes)
    {
        if (_memfd is null)
        {
            return false;
        }

        return Libc.fallocate(_memfd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, bytes) == 0;
    }

    public void Dispose()
    {
        _mapping?.Dispose();
        _memfd?.Dispose();
    }

    private static bool TryMapMemfd(string name, uint flags, nuint length, out SafeFileHandle? memfd, out MappedMemory? mapping)
    {
        memfd = null;
        mapping = null;
        int fd = Libc.memfd_create(name, Libc.MFD_CLOEXEC | flags);
        if (fd < 0)
        {
            return false;
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        // A hugetlb mapping reserves its huge pages at mmap time (no MAP_NORESERVE), so a shortage shows up
        // here as ENOMEM and never later as SIGBUS on first touch.
        if (Libc.ftruncate(handle, (long)length) != 0)
        {
            handle.Dispose();
            return false;
        }

        nint address = Libc.mmap(0, length, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, handle, 0);
        if (address == Libc.MAP_FAILED)
        {
            handle.Dispose();
            return false;
        }

        memfd = handle;
        mapping = new MappedMemory(address, length);
        return true;
    }
}
