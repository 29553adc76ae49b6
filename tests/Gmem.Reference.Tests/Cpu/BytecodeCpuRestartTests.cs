// Restart semantics: what retires, what re-executes, and what the next Run finishes with exit data.
using Gmem.Reference.Cpu;

namespace Gmem.Reference.Tests.Cpu;

public class BytecodeCpuRestartTests
{
    private static readonly ulong s_data = CpuHarness.DataBase.Value;

    [Fact]
    public void Store_FaultingPage_DoesNotRetireAndReexecutesAfterFaultCleared()
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, s_data).MovImmediate(Register.R2, 0xab)
            .Store(1, Register.R1, 0, Register.R2).AddImmediate(Register.R3, Register.R3, 1).Hlt());
        h.Bus.FaultingPages[CpuHarness.DataBase.Gfn.Value] = true;

        var fault = Assert.IsType<VcpuExit.MemoryFault>(h.Run());
        Gpa storeAddress = h.Cpu.InstructionPointer;

        Assert.Equal(CpuHarness.DataBase, fault.Address);
        Assert.Equal((ulong)Page.Size, fault.Size);
        Assert.True(fault.IsPrivate, "the bus reported a private access");
        Assert.Equal(0, h.Bus.Slice(CpuHarness.DataBase, 1)[0]);
        Assert.Equal(CpuHarness.CodeBase + 2 * Instruction.Size, storeAddress);
        Assert.Equal(2, h.Cpu.InstructionsRetired);

        // Still faulting: the same exit again, still nothing retired.
        Assert.IsType<VcpuExit.MemoryFault>(h.Run());
        Assert.Equal(storeAddress, h.Cpu.InstructionPointer);

        h.Bus.FaultingPages.Clear();
        h.RunToHalt();

        Assert.Equal(0xab, h.Bus.Slice(CpuHarness.DataBase, 1)[0]);
        Assert.Equal(1UL, h[Register.R3]);
        Assert.Equal(5, h.Cpu.InstructionsRetired);
    }

    [Fact]
    public void Load_FaultingPage_LeavesDestinationUntouched()
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, s_data).MovImmediate(Register.R2, 77)
            .Load(8, Register.R2, Register.R1).Hlt());
        h.Bus.FaultingPages[CpuHarness.DataBase.Gfn.Value] = false;
        h.Bus.Slice(CpuHarness.DataBase, 1)[0] = 5;

        var fault = Assert.IsType<VcpuExit.MemoryFault>(h.Run());

        Assert.False(fault.IsPrivate);
        Assert.Equal(77UL, h[Register.R2]);
        h.Bus.FaultingPages.Clear();
        h.RunToHalt();
        Assert.Equal(5UL, h[Register.R2]);
    }

    [Fact]
    public void Fetch_FaultingCodePage_ExitsAndRefetchesAfterFaultCleared()
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, 42).Hlt());
        h.Bus.FaultingPages[CpuHarness.CodeBase.Gfn.Value] = true;

        var fault = Assert.IsType<VcpuExit.MemoryFault>(h.Run());

        Assert.Equal(CpuHarness.CodeBase, fault.Address);
        Assert.Equal(0, h.Cpu.InstructionsRetired);
        h.Bus.FaultingPages.Clear();
        h.RunToHalt();
        Assert.Equal(42UL, h[Register.R1]);
    }

    [Fact]
    public void Store_Retry_ReexecutesWithoutExit()
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, s_data).MovImmediate(Register.R2, 0xcd)
            .Store(1, Register.R1, 0, Register.R2).Hlt());
        h.Bus.RetryOncePages.Add(CpuHarness.DataBase.Gfn.Value);

        h.RunToHalt();

        Assert.Equal(1, h.Bus.Retries);
        Assert.Equal(0xcd, h.Bus.Slice(CpuHarness.DataBase, 1)[0]);
        Assert.Equal(4, h.Cpu.InstructionsRetired);
        Assert.Equal(5, h.Cpu.Steps);
    }

    [Fact]
    public void Fill_FaultMidway_KeepsProgressInRegistersAndResumes()
    {
        const int length = 3 * Page.Size;
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, s_data).MovImmediate(Register.R2, length)
            .Fill(Register.R1, Register.R2, 0x11).Hlt());
        ulong secondPage = CpuHarness.DataBase.Gfn.Value + 1;
        h.Bus.FaultingPages[secondPage] = true;

        var fault = Assert.IsType<VcpuExit.MemoryFault>(h.Run());

        Assert.Equal(new Gpa(secondPage << Page.Shift), fault.Address);
        Assert.Equal(s_data + Page.Size, h[Register.R1]);
        Assert.Equal((ulong)(2 * Page.Size), h[Register.R2]);
        Assert.Equal(-1, h.Bus.Slice(CpuHarness.DataBase, Page.Size).IndexOfAnyExcept((byte)0x11));
        Assert.Equal(-1, h.Bus.Slice(CpuHarness.DataBase + Page.Size, 2 * Page.Size).IndexOfAnyExcept((byte)0));

        h.Bus.FaultingPages.Clear();
        h.RunToHalt();

        Assert.Equal(-1, h.Bus.Slice(CpuHarness.DataBase, length).IndexOfAnyExcept((byte)0x11));
        Assert.Equal(4, h.Bus.Writes);
    }

    [Fact]
    public void MmioRead_HandlerData_LandsInRegisterOnNextRun()
    {
        var mmio = new Gpa(0xfee0_0000);
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, mmio.Value).Load(4, Register.R7, Register.R1, 4).Hlt());

        var exit = Assert.IsType<VcpuExit.Mmio>(h.Run());

        Assert.Equal(mmio + 4, exit.Address);
        Assert.False(exit.IsWrite);
        Assert.Equal(4, exit.Length);
        Assert.Equal(1, h.Cpu.InstructionsRetired);
        exit.Data[0] = 0x78;
        exit.Data[1] = 0x56;
        exit.Data[2] = 0x34;
        exit.Data[3] = 0x12;
        h.RunToHalt();

        Assert.Equal(0x1234_5678UL, h[Register.R7]);
        Assert.Equal(3, h.Cpu.InstructionsRetired);
    }

    [Fact]
    public void MmioWrite_ExitCarriesDataAndStoreRetires()
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, 0xfee0_0000).MovImmediate(Register.R2, 0x0102)
            .Store(2, Register.R1, 0, Register.R2).Hlt());

        var exit = Assert.IsType<VcpuExit.Mmio>(h.Run());

        Assert.True(exit.IsWrite);
        Assert.Equal(new byte[] { 0x02, 0x01 }, exit.Data);
        Assert.Equal(3, h.Cpu.InstructionsRetired);
        h.RunToHalt();
        Assert.Equal(1, h.Bus.Writes);
    }

    [Fact]
    public void Fill_OnMmio_IsAnEmulationError()
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, 0xfee0_0000).MovImmediate(Register.R2, 8)
            .Fill(Register.R1, Register.R2, 0).Hlt());

        var error = Assert.IsType<VcpuExit.InternalError>(h.Run());

        Assert.Equal(BytecodeCpu.EmulationFailure, error.Suberror);
    }

    [Fact]
    public void Fetch_FromMmioOrZeroedMemory_IsAnEmulationErrorWithTheAddress()
    {
        var h = CpuHarness.Create(a => a.Nop());
        h.Cpu.InstructionPointer = new Gpa(0xfee0_0000);
        var fromMmio = Assert.IsType<VcpuExit.InternalError>(h.Run());
        Assert.Equal(0xfee0_0000UL, fromMmio.Data[0]);

        h.Cpu.InstructionPointer = CpuHarness.DataBase;
        var fromZeroes = Assert.IsType<VcpuExit.InternalError>(h.Run());
        Assert.Equal(CpuHarness.DataBase.Value, fromZeroes.Data[0]);

        h.Cpu.InstructionPointer = CpuHarness.CodeBase + 8;
        Assert.IsType<VcpuExit.InternalError>(h.Run());
    }

    [Fact]
    public void Hypercall_NotForwarded_CompletesWithMinus1000InR0()
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R0, 12).MovImmediate(Register.R1, s_data)
            .MovImmediate(Register.R2, 1).Hypercall().Hlt());

        h.RunToHalt();

        Assert.Equal(unchecked((ulong)-1000L), h[Register.R0]);
    }

    [Fact]
    public void Hypercall_MalformedArguments_CompletesWithMinus22InR0()
    {
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R0, 12).MovImmediate(Register.R1, s_data + 1)
            .MovImmediate(Register.R2, 1).Hypercall().Hlt());
        h.Bus.ForwardMapGpaRange = true;

        h.RunToHalt();

        Assert.Equal(unchecked((ulong)-22L), h[Register.R0]);
    }

    [Fact]
    public void Hypercall_Forwarded_ExitCarriesArgumentsAndRetLandsInR0()
    {
        var h = CpuHarness.Create(a =>
        {
            a.MovImmediate(Register.R0, 12).MovImmediate(Register.R1, s_data).MovImmediate(Register.R2, 3)
                .MovImmediate(Register.R3, 0x10).MovImmediate(Register.R4, 4).MovImmediate(Register.R5, 5)
                .MovImmediate(Register.R6, 6).Hypercall().Hlt();
        });
        h.Bus.ForwardMapGpaRange = true;

        var call = Assert.IsType<VcpuExit.Hypercall>(h.Run());

        Assert.Equal(VcpuExit.Hypercall.MapGpaRange, call.Nr);
        Assert.Equal(new[] { s_data, 3UL, 0x10UL, 4UL, 5UL, 6UL }, call.Args);
        Assert.Equal(7, h.Cpu.InstructionsRetired);
        call.Ret = -11;
        h.RunToHalt();

        Assert.Equal(unchecked((ulong)-11L), h[Register.R0]);
        Assert.Equal(9, h.Cpu.InstructionsRetired);
    }

    [Fact]
    public void Run_StepBudgetExhausted_ReturnsInterruptedAndResumes()
    {
        var h = CpuHarness.Create(a =>
        {
            BytecodeLabel top = a.NewLabel();
            a.MovImmediate(Register.R1, 1000).Bind(top).Loop(Register.R1, top).Hlt();
        });

        Assert.IsType<VcpuExit.Interrupted>(h.Run(maxSteps: 10));
        Assert.Equal(10, h.Cpu.InstructionsRetired);
        h.RunToHalt();
        Assert.Equal(1001 + 1, h.Cpu.InstructionsRetired);
    }

    [Fact]
    public void Run_BudgetEndsInsideFill_InterruptedBetweenPagesWithProgressInRegisters()
    {
        const int length = 8 * Page.Size;
        var h = CpuHarness.Create(a => a.MovImmediate(Register.R1, s_data).MovImmediate(Register.R2, length)
            .Fill(Register.R1, Register.R2, 0x66).Hlt());

        Assert.IsType<VcpuExit.Interrupted>(h.Run(maxSteps: 5));

        Assert.Equal(s_data + (3 * Page.Size), h[Register.R1]);
        Assert.Equal((ulong)(5 * Page.Size), h[Register.R2]);
        Assert.Equal(2, h.Cpu.InstructionsRetired);
        h.RunToHalt();
        Assert.Equal(-1, h.Bus.Slice(CpuHarness.DataBase, length).IndexOfAnyExcept((byte)0x66));
        Assert.Equal(8, h.Bus.Writes);
    }

    [Fact]
    public void RequestExit_BeforeRun_InterruptsNextRunOnce()
    {
        var h = CpuHarness.Create(a => a.Nop().Hlt());
        h.Cpu.RequestExit();

        Assert.IsType<VcpuExit.Interrupted>(h.Run());
        Assert.Equal(0, h.Cpu.InstructionsRetired);
        h.RunToHalt();
    }

    [Fact]
    public void RequestExit_FromAnotherThread_StopsAnEndlessLoop()
    {
        var h = CpuHarness.Create(a =>
        {
            BytecodeLabel top = a.NewLabel();
            a.Bind(top).AddImmediate(Register.R1, Register.R1, 1).Jump(top);
        });
        VcpuExit? result = null;
        var runner = new Thread(() => result = h.Cpu.Run(maxSteps: 2_000_000_000));
        runner.Start();
        while (h[Register.R1] == 0 && runner.IsAlive)
        {
            Thread.Yield();
        }

        h.Cpu.RequestExit();

        Assert.True(runner.Join(TimeSpan.FromSeconds(30)), "Run must return after RequestExit");
        Assert.IsType<VcpuExit.Interrupted>(result);
        Assert.True(h.Cpu.InstructionsRetired < 2_000_000_000, "the loop stopped before its budget ran out");
    }
}
