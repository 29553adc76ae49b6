// GuestProgram compiled by BytecodeProgramBackend, run on the fake bus: memory effects, hypercalls and
// reports are what the program model promises.
using Gmem.Vmm.Programs;

namespace Gmem.Reference.Tests.Cpu;

public class GuestProgramBytecodeTests
{
    private static readonly Gpa s_data = new(0x11_0000);   // page 16 of the runner's memory

    [Fact]
    public void FillThenVerify_SameByte_NoReportsAndMemoryFilled()
    {
        var runner = new GuestProgramRunner(new GuestProgram().Fill(s_data, 3 * Page.Size + 7, 0xa5).Verify(s_data, 3 * Page.Size + 7, 0xa5));

        runner.RunToEnd();

        Assert.Empty(runner.Reports);
        Assert.Equal(-1, runner.Memory(s_data, 3 * Page.Size + 7).IndexOfAnyExcept((byte)0xa5));
        Assert.Equal(0, runner.Memory(s_data + (3 * Page.Size + 7), 1)[0]);
    }

    [Fact]
    public void Verify_Mismatch_ReportsAddressOfFirstWrongByteAndGoesOn()
    {
        var program = new GuestProgram().Fill(s_data, Page.Size, 0x11).Verify(s_data, Page.Size, 0x11).Report(7);
        var runner = new GuestProgramRunner(program);
        runner.Memory(s_data + 100, 1)[0] = 0x99;   // an "old" byte the fill will overwrite: no mismatch expected
        runner.RunToEnd();
        Assert.Equal([new GuestReport(GuestReportKind.Value, 7)], runner.Reports);

        var broken = new GuestProgramRunner(new GuestProgram().Verify(s_data, Page.Size, 0).Report(8));
        broken.Memory(s_data + 0x123, 1)[0] = 1;
        broken.Memory(s_data + 0x200, 1)[0] = 1;
        broken.RunToEnd();

        Assert.Equal(
            [new GuestReport(GuestReportKind.VerifyMismatch, (long)(s_data.Value + 0x123)), new GuestReport(GuestReportKind.Value, 8)],
            broken.Reports);
    }

    [Fact]
    public void Verify_MismatchAbove4GiB_ReportsTheFull64BitAddress()
    {
        var high = new Gpa(0x1_0000_0000);
        var runner = new GuestProgramRunner(new GuestProgram().Verify(high + 0x1_0000, 64, 0), memoryBase: high);
        runner.Memory(high + 0x1_0000 + 63, 1)[0] = 0xff;

        runner.RunToEnd();

        Assert.Equal([new GuestReport(GuestReportKind.VerifyMismatch, (long)(high.Value + 0x1_0000 + 63))], runner.Reports);
    }

    [Fact]
    public void Touch_ReadAndWrite_TouchOneBytePerPage()
    {
        var runner = new GuestProgramRunner(new GuestProgram()
            .Touch(s_data, 4 * Page.Size, TouchKind.Read)
            .Touch(s_data + 8, 2 * Page.Size + 1, TouchKind.Write, 0x42));

        runner.RunToEnd();

        Assert.Equal(4, runner.Bus.Reads);
        Assert.Equal(3, runner.Bus.Writes);
        Assert.Equal(0x42, runner.Memory(s_data + 8, 1)[0]);
        Assert.Equal(0x42, runner.Memory(s_data + (Page.Size + 8), 1)[0]);
        Assert.Equal(0x42, runner.Memory(s_data + (2 * Page.Size + 8), 1)[0]);
        Assert.Equal(0, runner.Memory(s_data + 9, 1)[0]);
    }

    [Fact]
    public void ShareAndUnshare_IssueMapGpaRangeWithSpecEncoding()
    {
        var runner = new GuestProgramRunner(new GuestProgram().Share(s_data, 2 * Page.Size).Unshare(s_data + Page.Size, Page.Size));

        runner.RunToEnd();

        Assert.Equal(2, runner.Hypercalls.Count);
        Assert.All(runner.Hypercalls, call => Assert.Equal(VcpuExit.Hypercall.MapGpaRange, call.Nr));
        Assert.Equal(new[] { s_data.Value, 2UL, 0UL }, runner.Hypercalls[0].Args[..3]);
        Assert.Equal(new[] { s_data.Value + Page.Size, 1UL, 1UL << 4 }, runner.Hypercalls[1].Args[..3]);
        Assert.All(runner.Hypercalls, call => Assert.Equal(new ulong[3], call.Args[3..]));
        Assert.Empty(runner.Reports);
    }

    [Fact]
    public void Share_HandlerRefuses_ReportsTheGuestVisibleResult()
    {
        var runner = new GuestProgramRunner(new GuestProgram().Share(s_data, Page.Size).Report(1)) { OnHypercall = _ => -14 };

        runner.RunToEnd();

        Assert.Equal([new GuestReport(GuestReportKind.HypercallFailed, -14), new GuestReport(GuestReportKind.Value, 1)], runner.Reports);
    }

    [Fact]
    public void Share_ForwardingNotEnabled_ReportsMinus1000WithoutExit()
    {
        var runner = new GuestProgramRunner(new GuestProgram().Share(s_data, Page.Size));
        runner.Bus.ForwardMapGpaRange = false;

        runner.RunToEnd();

        Assert.Empty(runner.Hypercalls);
        Assert.Equal([new GuestReport(GuestReportKind.HypercallFailed, -1000)], runner.Reports);
    }

    [Fact]
    public void Repeat_CountAndZero_RunBodyThatManyTimes()
    {
        var runner = new GuestProgramRunner(new GuestProgram()
            .Repeat(3, p => p.Report(1).Repeat(2, q => q.Report(2)))
            .Repeat(0, p => p.Report(9)));

        runner.RunToEnd();

        Assert.Equal(new uint[] { 1, 2, 2, 1, 2, 2, 1, 2, 2 }, runner.Decoder.Values);
    }

    [Fact]
    public void ForEachChunk_Nested_CursorAddressesEachChunk()
    {
        // Per page: fill its first 16 bytes with 0x10; inside each page, every 1 KiB block gets 0x20 at +100.
        var runner = new GuestProgramRunner(new GuestProgram()
            .ForEachChunk(s_data, 3 * Page.Size, Page.Size, page => page
                .Fill(GuestAddress.Cursor(), 16, 0x10)
                .ForEachChunk(GuestAddress.Cursor(), Page.Size, 1024, block => block.Fill(GuestAddress.Cursor(100), 1, 0x20))
                .Report(5)));

        runner.RunToEnd();

        for (ulong page = 0; page < 3; page++)
        {
            Gpa start = s_data + (page * Page.Size);
            Assert.Equal(-1, runner.Memory(start, 16).IndexOfAnyExcept((byte)0x10));
            for (ulong block = 0; block < 4; block++)
            {
                Assert.Equal(0x20, runner.Memory(start + (block * 1024) + 100, 1)[0]);
            }
        }

        Assert.Equal(0, runner.Memory(s_data + (3 * Page.Size), 1)[0]);
        Assert.Equal(new uint[] { 5, 5, 5 }, runner.Decoder.Values);
    }

    [Fact]
    public void ForEachChunk_ShortLastChunk_StillVisited()
    {
        var runner = new GuestProgramRunner(new GuestProgram()
            .ForEachChunk(s_data, Page.Size + 1, Page.Size, c => c.Share(GuestAddress.Cursor(), Page.Size)));

        runner.RunToEnd();

        Assert.Equal(new[] { s_data.Value, s_data.Value + Page.Size }, runner.Hypercalls.Select(h => h.Args[0]));
    }

    [Fact]
    public void Halt_MidProgram_StopsAndContinuesOnNextRun()
    {
        var runner = new GuestProgramRunner(new GuestProgram().Report(1).Halt().Report(2));

        Assert.IsType<VcpuExit.Hlt>(runner.RunUntilHalt());
        Assert.False(runner.IsAtFinalHalt);
        Assert.Equal(new uint[] { 1 }, runner.Decoder.Values);

        runner.RunToEnd();
        Assert.Equal(new uint[] { 1, 2 }, runner.Decoder.Values);

        runner.RunToEnd();   // running after the end halts again
        Assert.Equal(new uint[] { 1, 2 }, runner.Decoder.Values);
    }

    [Fact]
    public void Forever_SpinningReader_StopsOnlyWhenBudgetRunsOut()
    {
        var runner = new GuestProgramRunner(new GuestProgram().Forever(p => p.Touch(s_data, Page.Size)));

        Assert.IsType<VcpuExit.Interrupted>(runner.RunUntilHalt(maxSteps: 10_000));
        Assert.True(runner.Bus.Reads > 1000, "the reader kept reading");
    }

    [Fact]
    public void Fill_FaultingPages_VmmConvertsAndProgramCompletes()
    {
        var runner = new GuestProgramRunner(new GuestProgram().Fill(s_data, 4 * Page.Size, 0x5a).Verify(s_data, 4 * Page.Size, 0x5a).Report(1));
        for (ulong i = 1; i < 4; i += 2)
        {
            runner.Bus.FaultingPages[s_data.Gfn.Value + i] = true;
        }

        runner.OnMemoryFault = fault => runner.Bus.FaultingPages.Remove(fault.Address.Gfn.Value);   // "convert" the page
        runner.RunToEnd();

        Assert.Equal(new[] { s_data + Page.Size, s_data + (3 * Page.Size) }, runner.Faults.Select(f => f.Address));
        Assert.Equal(-1, runner.Memory(s_data, 4 * Page.Size).IndexOfAnyExcept((byte)0x5a));
        Assert.Equal([new GuestReport(GuestReportKind.Value, 1)], runner.Reports);
    }

    [Fact]
    public void DefaultScenarioShape_RunsToHaltWithExpectedReportsAndMemory()
    {
        var window = new Gpa(0x12_0000);
        var shared = new Gpa(0x13_0000);
        var program = new GuestProgram()
            .Fill(s_data, 0x8000, 0xa5)
            .Verify(s_data, 0x8000, 0xa5)
            .Verify(window, Page.Size, 0x11)
            .Share(shared, 2 * Page.Size)
            .Fill(shared, 2 * Page.Size, 0x5a)
            .Report(0x5a)
            .Halt();
        var runner = new GuestProgramRunner(program);
        runner.Memory(window, Page.Size).Fill(0x11);   // the host's write through the shared window

        Assert.IsType<VcpuExit.Hlt>(runner.RunUntilHalt());

        Assert.Equal([new GuestReport(GuestReportKind.Value, 0x5a)], runner.Reports);
        Assert.Equal(-1, runner.Memory(shared, 2 * Page.Size).IndexOfAnyExcept((byte)0x5a));
        Assert.Single(runner.Hypercalls);
    }

    [Fact]
    public void Builder_BadInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => new GuestProgram().Fill(GuestAddress.Cursor(), 1, 0));
        Assert.Throws<ArgumentException>(() => new GuestProgram().Share(s_data + 1, Page.Size));
        Assert.Throws<ArgumentException>(() => new GuestProgram().Unshare(s_data, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GuestProgram().ForEachChunk(s_data, 1, 0, _ => { }));
        Assert.Throws<ArgumentException>(() => new BytecodeProgramBackend(new Gpa(8)));
    }

    [Fact]
    public void Compile_LoopsNestedBeyondLoopRegisters_ThrowsNotSupported()
    {
        static GuestProgram Nest(int depth, Action<GuestProgram> innermost) =>
            depth == 0 ? new GuestProgram().Report(0) : Wrap(depth, innermost);

        static GuestProgram Wrap(int depth, Action<GuestProgram> innermost)
        {
            var program = new GuestProgram();
            Action<GuestProgram> body = innermost;
            for (int i = 0; i < depth; i++)
            {
                Action<GuestProgram> inner = body;
                body = i % 2 == 0 ? p => p.Repeat(2, inner) : p => p.ForEachChunk(s_data, 2 * Page.Size, Page.Size, inner);
            }

            body(program);
            return program;
        }

        var deepest = Nest(9, p => p.Report(1));
        var tooDeep = Nest(10, p => p.Report(1));

        Assert.Throws<NotSupportedException>(() => tooDeep.Compile(new BytecodeProgramBackend(s_data)));
        var runner = new GuestProgramRunner(deepest);
        runner.RunToEnd();
        Assert.Equal(512, runner.Decoder.Values.Count(v => v == 1));   // 2^9 iterations of the innermost body
    }
}
