namespace Gmem.Reference.Mm;

/// <summary>The huge pages of one order in the <see cref="HugePagePool"/>; every member is used under the pool's lock.</summary>
internal sealed class HugePageSubPool
{
    public HugePageSubPool(PhysicalSegment segment, int order)
    {
        Segment = segment;
        Order = order;
        Pages = (int)(segment.Frames >> order);
        Free = new Stack<int>(Enumerable.Range(0, Pages).Reverse());
        Reservation = new HugePageReservation?[Pages];
        Owner = new FrameOwner[Pages];
        SplitPieces = new int[Pages];
    }

    public PhysicalSegment Segment { get; }

    public int Order { get; }

    public int Pages { get; }

    public Stack<int> Free { get; }

    public int Reserved { get; set; }

    public HugePageReservation?[] Reservation { get; }

    public FrameOwner[] Owner { get; }

    /// <summary>0 = not split; otherwise the number of its order-0 pieces still allocated.</summary>
    public int[] SplitPieces { get; }

    public int IndexOf(Pfn frame) => (int)((frame.Value - Segment.First.Value) >> Order);

    public Pfn Base(int index) => Segment.First + ((ulong)index << Order);
}
