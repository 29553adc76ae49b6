using System.Diagnostics;
using Gmem.Reference.Mm;

namespace Gmem.Reference.Tests.Mm;

public class KernelAccessStressTests
{
    [Fact]
    public void KernelWrites_RacingRemoveAndRestore_NeverTouchARemovedFrame()
    {
        using MemoryManager mm = TestMemory.Create();
        Folio folio = mm.Allocator.Allocate(0, TestMemory.Owner());
        byte[] private0 = Enumerable.Repeat((byte)0xAB, Page.Size).ToArray();
        var clock = Stopwatch.StartNew();
        int corrupted = 0;
        int kernelWrites = 0;
        int refused = 0;
        using var stop = new CancellationTokenSource();
        var kernel = new Thread(() =>
        {
            byte[] data = Enumerable.Repeat((byte)0x11, 64).ToArray();
            while (!stop.IsCancellationRequested)
            {
                if (mm.KernelAccess.TryWrite(folio.Head, 128, data))
                {
                    Interlocked.Increment(ref kernelWrites);
                }
                else
                {
                    Interlocked.Increment(ref refused);
                }
            }
        });
        kernel.Start();

        for (int i = 0; i < 2_000 && clock.Elapsed < TimeSpan.FromSeconds(10); i++)
        {
            mm.DirectMap.Remove(folio);
            // While removed the frame is private: its content may change only through the owner.
            mm.Memory.Write(folio.Head, 0, private0);
            Thread.SpinWait(200);
            if (!mm.Memory.ContentEquals(folio.Head, 0, private0))
            {
                corrupted++;
            }

            mm.DirectMap.Restore(folio);
            Thread.SpinWait(200);
        }

        stop.Cancel();
        kernel.Join();
        Assert.Equal(0, corrupted);
        Assert.True(kernelWrites > 0 && refused > 0, $"The race ran both ways ({kernelWrites} writes, {refused} refusals).");
        mm.Free(folio);
        TestMemory.AssertAllFree(mm);
    }
}
