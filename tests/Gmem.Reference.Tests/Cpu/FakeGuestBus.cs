// A test IGuestBus: flat guest memory at a base GPA, scripted memory faults and retries, MMIO for every
// address outside the memory, port I/O exits (or in-bus ports), and KVM's hypercall rules for
// MAP_GPA_RANGE (−1000 unless forwarding is on, −22 for bad arguments).
using Gmem.Reference.Cpu;

namespace Gmem.Reference.Tests.Cpu;

internal sealed class FakeGuestBus : IGuestBus
{
    private readonly byte[] _memory;

    public FakeGuestBus(Gpa @base, int sizeBytes)
    {
        Base = @base;
        _memory = new byte[sizeBytes];
    }

    public Gpa Base { get; }

    public Span<byte> Memory => _memory;

    /// <summary>Gfns whose every access ends in a MemoryFault exit until removed (value: the access was private).</summary>
    public Dictionary<ulong, bool> FaultingPages { get; } = [];

    /// <summary>Gfns whose next access answers Retry (one retry each).</summary>
    public HashSet<ulong> RetryOncePages { get; } = [];

    /// <summary>Ports the bus answers itself: OUT stores into the dictionary, IN reads from it.</summary>
    public Dictionary<ushort, uint> InBusPorts { get; } = [];

    /// <summary>Whether MAP_GPA_RANGE is forwarded as a Hypercall exit (KVM_CAP_EXIT_HYPERCALL bit 12).</summary>
    public bool ForwardMapGpaRange { get; set; }

    public int Fetches { get; private set; }

    public int Reads { get; private set; }

    public int Writes { get; private set; }

    public int Retries { get; private set; }

    public void Load(Gpa address, ReadOnlySpan<byte> bytes) => bytes.CopyTo(Slice(address, bytes.Length));

    public Span<byte> Slice(Gpa address, int length) => _memory.AsSpan((int)(address - Base), length);

    public BusResult Read(Gpa address, Span<byte> destination, GuestAccessType access)
    {
        AssertInOnePage(address, destination.Length);
        if (access == GuestAccessType.Fetch)
        {
            Fetches++;
        }
        else
        {
            Reads++;
        }

        if (Check(address, out BusResult failure))
        {
            return failure;
        }

        if (!Contains(address))
        {
            return BusResult.ExitWith(new VcpuExit.Mmio(address, destination.Length, false, new byte[destination.Length]));
        }

        Slice(address, destination.Length).CopyTo(destination);
        return BusResult.Completed;
    }

    public BusResult Write(Gpa address, ReadOnlySpan<byte> source)
    {
        AssertInOnePage(address, source.Length);
        Writes++;
        if (Check(address, out BusResult failure))
        {
            return failure;
        }

        if (!Contains(address))
        {
            return BusResult.ExitWith(new VcpuExit.Mmio(address, source.Length, true, source.ToArray()));
        }

        source.CopyTo(Slice(address, source.Length));
        return BusResult.Completed;
    }

    public BusResult Fill(Gpa address, int length, byte value)
    {
        AssertInOnePage(address, length);
        Writes++;
        if (Check(address, out BusResult failure))
        {
            return failure;
        }

        if (!Contains(address))
        {
            var data = new byte[length];
            data.AsSpan().Fill(value);
            return BusResult.ExitWith(new VcpuExit.Mmio(address, length, true, data));
        }

        Slice(address, length).Fill(value);
        return BusResult.Completed;
    }

    public BusResult PortIo(IoDirection direction, ushort port, Span<byte> data)
    {
        if (InBusPorts.TryGetValue(port, out uint value))
        {
            if (direction == IoDirection.Out)
            {
                uint written = 0;
                for (int i = data.Length - 1; i >= 0; i--)
                {
                    written = (written << 8) | data[i];
                }

                InBusPorts[port] = written;
            }
            else
            {
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = (byte)(value >> (8 * i));
                }
            }

            return BusResult.Completed;
        }

        byte[] copy = direction == IoDirection.Out ? data.ToArray() : new byte[data.Length];
        return BusResult.ExitWith(new VcpuExit.Io(direction, port, data.Length, 1, copy));
    }

    public BusResult Hypercall(ulong nr, ReadOnlySpan<ulong> args, out long ret)
    {
        ret = 0;
        if (nr != VcpuExit.Hypercall.MapGpaRange || !ForwardMapGpaRange)
        {
            ret = -1000;
            return BusResult.Completed;
        }

        if (!Page.IsAligned(args[0]) || args[1] == 0 || args[0] + (args[1] << Page.Shift) < args[0])
        {
            ret = -22;
            return BusResult.Completed;
        }

        return BusResult.ExitWith(new VcpuExit.Hypercall(nr, args.ToArray(), 1));
    }

    private bool Contains(Gpa address) => address >= Base && address - Base < (ulong)_memory.Length;

    private bool Check(Gpa address, out BusResult failure)
    {
        ulong gfn = address.Gfn.Value;
        if (RetryOncePages.Remove(gfn))
        {
            Retries++;
            failure = BusResult.Retry;
            return true;
        }

        if (FaultingPages.TryGetValue(gfn, out bool isPrivate))
        {
            failure = BusResult.ExitWith(new VcpuExit.MemoryFault(
                address.AlignDown(Page.Size), Page.Size, isPrivate ? VcpuExit.MemoryFault.FlagPrivate : 0, Errno.EFAULT));
            return true;
        }

        failure = default;
        return false;
    }

    private static void AssertInOnePage(Gpa address, int length)
    {
        if (length < 1 || length > Page.Size || (address.Value & Page.OffsetMask) + (ulong)length > Page.Size)
        {
            throw new InvalidOperationException($"Bus contract broken: access of {length} bytes at {address} crosses a page.");
        }
    }
}
