using Gmem.Reference.GuestMemfd;

namespace Gmem.Reference.Tests;

/// <summary>Records the invalidation calls a guest memory file makes, then forwards them to the VM.</summary>
internal sealed class RecordingInvalidationTarget(IGmemInvalidationTarget inner) : IGmemInvalidationTarget
{
    private readonly object _lock = new();

    public List<string> Calls { get; } = [];

    public int Depth { get; private set; }

    public void InvalidateBegin()
    {
        lock (_lock)
        {
            Calls.Add("begin");
            Depth++;
        }
        inner.InvalidateBegin();
    }

    public void InvalidateRangeAdd(Gfn start, Gfn end, GmemInvalidationFilter filter)
    {
        lock (_lock)
        {
            Assert.True(Depth > 0, "RangeAdd outside begin/end");
            Calls.Add($"range {start.Value:x}-{end.Value:x} {filter}");
        }
        inner.InvalidateRangeAdd(start, end, filter);
    }

    public void InvalidateEnd()
    {
        lock (_lock)
        {
            Calls.Add("end");
            Depth--;
        }
        inner.InvalidateEnd();
    }

    public void Clear()
    {
        lock (_lock)
        {
            Calls.Clear();
        }
    }
}
