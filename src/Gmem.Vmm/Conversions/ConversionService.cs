using Gmem.Diagnostics;

namespace Gmem.Vmm.Conversions;

/// <summary>
/// Serves both ways a guest asks for a conversion — a memory-fault exit (the guest touched a page of the
/// other kind) and the <c>KVM_HC_MAP_GPA_RANGE</c> hypercall — with one order of steps:
/// <list type="number">
/// <item>merge adjacent requests of the same direction into one batch;</item>
/// <item>to private: every <see cref="IConversionListener"/> drops the range first, then the platform converts;</item>
/// <item>to shared: the platform converts first, then the listeners get the range;</item>
/// <item>on failure, the ranges already converted in the batch are converted back and the listeners restored.</item>
/// </list>
/// Not thread-safe: one service per VM, called from the VMM's exit-handling loop (or under its lock).
/// </summary>
public sealed class ConversionService
{
    /// <summary>Bit 4 of the MAP_GPA_RANGE attributes: the range becomes encrypted (private).</summary>
    public const ulong MapGpaRangeEncrypted = 1UL << 4;

    /// <summary>Guest-visible return value for a malformed request (-KVM_EINVAL).</summary>
    public const long KvmEinval = -22;

    /// <summary>Guest-visible return value for a refused conversion (-KVM_EFAULT).</summary>
    public const long KvmEfault = -14;

    private const int MaxRepeatedFaults = 8;

    private readonly IConversionBackend _backend;
    private readonly string _platform;
    private readonly List<IConversionListener> _listeners = [];
    private VcpuExit.MemoryFault? _lastFault;
    private int _repeats;

    /// <summary>Creates the service over <paramref name="backend"/>; <paramref name="platform"/> tags the metrics.</summary>
    public ConversionService(IConversionBackend backend, string platform)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _backend = backend;
        _platform = platform;
    }

    /// <summary>Conversion batches that changed something (a batch undone after a failure still counts).</summary>
    public long Batches { get; private set; }

    /// <summary>Pages converted (in either direction).</summary>
    public long PagesConverted { get; private set; }

    /// <summary>Requests that were already in the requested state and cost nothing.</summary>
    public long NoOps { get; private set; }

    /// <summary>Adds a device/DMA listener.</summary>
    public void AddListener(IConversionListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        _listeners.Add(listener);
    }

    /// <summary>
    /// Handles <paramref name="exit"/> if it is a conversion request: a memory fault converts the faulting
    /// page to the kind of the access; a MAP_GPA_RANGE hypercall converts its range and sets its
    /// <see cref="VcpuExit.Hypercall.Ret"/>. Returns false for any other exit.
    /// </summary>
    /// <exception cref="GmemException">The same memory fault repeats without progress (EFAULT), or the platform refused a fault's conversion.</exception>
    public bool TryHandle(VcpuExit exit)
    {
        switch (exit)
        {
            case VcpuExit.MemoryFault fault:
                HandleFault(fault);
                return true;
            case VcpuExit.Hypercall { Nr: VcpuExit.Hypercall.MapGpaRange } call:
                call.Ret = HandleMapGpaRange(call.Args[0], call.Args[1], call.Args[2]);
                return true;
            default:
                _lastFault = null;
                return false;
        }
    }

    /// <summary>Converts a set of requests: adjacent ones of the same direction become one batch each.</summary>
    /// <exception cref="GmemException">The platform refused; everything this call converted has been undone.</exception>
    public void Convert(IEnumerable<ConversionRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var done = new List<ConversionRequest>();
        try
        {
            foreach (ConversionRequest batch in Merge(requests))
            {
                IReadOnlyList<GpaRange> pending = _backend.Pending(batch.Range, batch.ToPrivate);
                if (pending.Count == 0)
                {
                    NoOps++;
                    continue;
                }
                // Only what is not yet of the requested kind converts, so an undo restores exactly that.
                foreach (GpaRange part in pending)
                {
                    var step = batch with { Range = part };
                    ConvertOne(step);
                    done.Add(step);
                }
                Batches++;
                GmemMetrics.Add(GmemMetrics.Conversions, 1, _platform, "direction", batch.Direction);
            }
        }
        catch (GmemException)
        {
            for (int i = done.Count - 1; i >= 0; i--)
            {
                Undo(done[i]);
            }
            throw;
        }
    }

    /// <summary>Merges requests: sorted by address, adjacent or overlapping ranges of one direction joined.</summary>
    public static IReadOnlyList<ConversionRequest> Merge(IEnumerable<ConversionRequest> requests)
    {
        var merged = new List<ConversionRequest>();
        foreach (var request in requests.OrderBy(r => r.Range.Start))
        {
            if (merged.Count > 0 && merged[^1].ToPrivate == request.ToPrivate && merged[^1].Range.Adjoins(request.Range))
            {
                GpaRange last = merged[^1].Range;
                Gpa end = last.End > request.Range.End ? last.End : request.Range.End;
                merged[^1] = request with { Range = new GpaRange(last.Start, end - last.Start) };
            }
            else
            {
                merged.Add(request);
            }
        }
        return merged;
    }

    private void HandleFault(VcpuExit.MemoryFault fault)
    {
        // The kernel asks userspace to guard against a fault that repeats forever (api.rst).
        _repeats = fault == _lastFault ? _repeats + 1 : 0;
        _lastFault = fault;
        if (_repeats >= MaxRepeatedFaults)
        {
            throw new GmemException("KVM_EXIT_MEMORY_FAULT", Errno.EFAULT,
                $"The fault at {fault.Address} (+{fault.Size}, {(fault.IsPrivate ? "private" : "shared")}) repeated {_repeats} times without progress.");
        }
        if (fault.Errno != Errno.EFAULT)
        {
            throw new GmemException("KVM_EXIT_MEMORY_FAULT", fault.Errno, $"The guest memory at {fault.Address} cannot be used.");
        }
        var range = new GpaRange(fault.Address.AlignDown(Page.Size), Math.Max(fault.Size, Page.Size));
        Convert([new ConversionRequest(range, fault.IsPrivate)]);
    }

    private long HandleMapGpaRange(ulong gpa, ulong pages, ulong attributes)
    {
        _lastFault = null;
        if (!Page.IsAligned(gpa) || pages == 0 || pages > (ulong.MaxValue - gpa) >> Page.Shift)
        {
            return KvmEinval;
        }
        var request = new ConversionRequest(new GpaRange(new Gpa(gpa), pages << Page.Shift), (attributes & MapGpaRangeEncrypted) != 0);
        try
        {
            Convert([request]);
            return 0;
        }
        catch (GmemException e) when (e.Errno is Errno.EINVAL or Errno.EFAULT or Errno.EAGAIN or Errno.ENOENT)
        {
            return e.Errno == Errno.EINVAL ? KvmEinval : KvmEfault;
        }
    }

    private void ConvertOne(ConversionRequest batch)
    {
        if (batch.ToPrivate)
        {
            foreach (var listener in _listeners)
            {
                listener.BeforePrivate(batch.Range);
            }
            try
            {
                _backend.Convert(batch.Range, toPrivate: true);
            }
            catch (GmemException)
            {
                foreach (var listener in _listeners)
                {
                    listener.AfterShared(batch.Range);   // the range stayed shared: give it back
                }
                throw;
            }
        }
        else
        {
            _backend.Convert(batch.Range, toPrivate: false);
            foreach (var listener in _listeners)
            {
                listener.AfterShared(batch.Range);
            }
        }
        PagesConverted += (long)batch.Range.Pages;
        GmemMetrics.Add(GmemMetrics.PagesConverted, (long)batch.Range.Pages, _platform, "direction", batch.Direction);
    }

    private void Undo(ConversionRequest done)
    {
        var back = done with { ToPrivate = !done.ToPrivate };
        if (back.ToPrivate)
        {
            foreach (var listener in _listeners)
            {
                listener.BeforePrivate(back.Range);
            }
        }
        _backend.Convert(back.Range, back.ToPrivate);
        if (!back.ToPrivate)
        {
            foreach (var listener in _listeners)
            {
                listener.AfterShared(back.Range);
            }
        }
        PagesConverted -= (long)done.Range.Pages;
    }
}
