using Gmem.Kvm;
using Gmem.TestSupport;
using Gmem.Vmm.Conversions;
using Gmem.Vmm.Programs;
using Gmem.Vmm.X86;
using Iced.Intel;

namespace Gmem.Vmm.Tests.Programs;

public class X86ProgramBackendTests
{
    private static readonly X86GuestLayout s_layout = new() { MemoryBytes = 4UL << 20 };

    private static Gpa Data(ulong offset) => s_layout.Data + offset;

    /// <summary>Records conversions instead of doing them (the per-VM attribute ioctl is absent on this kernel).</summary>
    private sealed class RecordingBackend : IConversionBackend
    {
        public List<(GpaRange Range, bool ToPrivate)> Converted { get; } = [];

        public void Convert(GpaRange range, bool toPrivate) => Converted.Add((range, toPrivate));

        public IReadOnlyList<GpaRange> Pending(GpaRange range, bool toPrivate) => [range];
    }

    private static (X86RunResult Result, GuestReportDecoder Reports, RecordingBackend Conversions) Run(
        X86Guest guest, X86ConversionCall call)
    {
        var reports = new GuestReportDecoder();
        var conversions = new RecordingBackend();
        var service = new ConversionService(conversions, "kvm");
        var decoder = new X86ConversionDecoder();
        X86RunResult result = guest.RunToHlt(io =>
        {
            if (decoder.TryAccept(io, out VcpuExit.Hypercall? request))
            {
                if (request is not null)
                {
                    service.TryHandle(request);
                }
                return true;
            }
            return reports.TryAccept(io);
        });
        return (result, reports, conversions);
    }

    private static GuestProgram Sample() => new GuestProgram()
        .Fill(Data(0), 3 * (ulong)Page.Size, 0xA5)
        .Verify(Data(0), 3 * (ulong)Page.Size, 0xA5)
        .Verify(Data(0), 3 * (ulong)Page.Size + 1, 0xA5)           // one byte past the fill: mismatch there
        .Repeat(3, p => p.Report(7))
        .ForEachChunk(Data(0x10000), 4 * (ulong)Page.Size, (ulong)Page.Size, p => p.Fill(GuestAddress.Cursor(8), 8, 0x3C))
        .Touch(Data(0x20000), 2 * (ulong)Page.Size, TouchKind.Write, 0x77)
        .Share(Data(0x30000), 2 * (ulong)Page.Size)
        .Unshare(Data(0x30000), (ulong)Page.Size)
        .Report(0xDEADBEEF);

    [Fact]
    public void Compile_EmitsOneChunkAtTheCodeAddressThatDecodes()
    {
        var backend = new X86ProgramBackend(s_layout.Code);

        CompiledGuestProgram compiled = Sample().Compile(backend);

        GuestProgramChunk chunk = Assert.Single(compiled.Chunks);
        Assert.Equal(s_layout.Code, chunk.Address);
        Assert.Equal("x86-64", compiled.Isa);
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(chunk.Bytes.ToArray()), s_layout.Code.Value);
        var mnemonics = new List<Mnemonic>();
        while (decoder.IP < s_layout.Code.Value + (ulong)chunk.Bytes.Length)
        {
            Instruction instruction = decoder.Decode();
            Assert.False(instruction.IsInvalid, $"invalid instruction at 0x{instruction.IP:x}");
            mnemonics.Add(instruction.Mnemonic);
        }
        Assert.Contains(Mnemonic.Stosb, mnemonics);
        Assert.Contains(Mnemonic.Scasb, mnemonics);
        Assert.Equal(2, mnemonics.Count(m => m == Mnemonic.Vmcall));
        Assert.Equal(Mnemonic.Jmp, mnemonics[^1]);
        Assert.Equal(Mnemonic.Hlt, mnemonics[^2]);
    }

    [Fact]
    public void Compile_LabelsBackToBack_AssembleWithANopBetween()
    {
        // Verify's "ok" label, then a loop's top label, then the final halt label.
        var program = new GuestProgram()
            .Verify(Data(0), 8, 0)
            .Forever(p => p.Verify(Data(0), 8, 0))
            .Share(Data(0), (ulong)Page.Size);

        CompiledGuestProgram compiled = program.Compile(new X86ProgramBackend(s_layout.Code));

        Assert.NotEmpty(Assert.Single(compiled.Chunks).Bytes.ToArray());
    }

    [Fact]
    public void Compile_LoopsNestedTooDeep_Throws()
    {
        var program = new GuestProgram();
        program.Repeat(2, p1 => p1.Repeat(2, p2 => p2.Repeat(2, p3 => p3.Repeat(2, p4 => p4.Repeat(2, p5 =>
            p5.Repeat(2, p6 => p6.Repeat(2, p7 => p7.Repeat(2, p8 => p8.Repeat(2, p9 => p9.Report(1))))))))));

        Assert.Throws<NotSupportedException>(() => program.Compile(new X86ProgramBackend(s_layout.Code)));
    }

    [KvmTheory]
    [InlineData(X86PrivilegeLevel.Kernel)]
    [InlineData(X86PrivilegeLevel.User)]
    public void Run_SampleProgramWithPortIoConversions_ReportsAndMemoryAsSpecified(X86PrivilegeLevel privilege)
    {
        using KvmHypervisor kvm = KvmHypervisor.Open();
        using KvmVm vm = kvm.CreateVm();
        var backend = new X86ProgramBackend(s_layout.Code, X86ConversionCall.PortIo);
        GuestProgram program = Sample();
        using X86Guest guest = X86Guest.Create(vm, new X86GuestOptions { Layout = s_layout, Privilege = privilege },
            a => backend.Emit(a, program));

        var (result, reports, conversions) = Run(guest, X86ConversionCall.PortIo);

        Assert.True(result.Outcome == X86RunOutcome.Halted, result.ToString());
        Assert.Equal(
        [
            new GuestReport(GuestReportKind.VerifyMismatch, (long)Data(3 * (ulong)Page.Size).Value),
            new GuestReport(GuestReportKind.Value, 7), new GuestReport(GuestReportKind.Value, 7), new GuestReport(GuestReportKind.Value, 7),
            new GuestReport(GuestReportKind.Value, unchecked((int)0xDEADBEEF) & 0xFFFF_FFFFL),
        ], reports.Reports);
        Assert.Equal(
        [
            (new GpaRange(Data(0x30000), 2 * (ulong)Page.Size), false),
            (new GpaRange(Data(0x30000), (ulong)Page.Size), true),
        ], conversions.Converted);
        var bytes = new byte[Page.Size];
        guest.Mapping.Read((long)Data(0).Value, bytes);
        Assert.All(bytes, b => Assert.Equal(0xA5, b));
        guest.Mapping.Read((long)Data(0x10000 + 2 * (ulong)Page.Size).Value, bytes);
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0x3C, 0x3C, 0x3C, 0x3C, 0x3C, 0x3C, 0x3C, 0x3C, 0 }, bytes[..17]);
        guest.Mapping.Read((long)Data(0x20000 + (ulong)Page.Size).Value, bytes);
        Assert.Equal(0x77, bytes[0]);
        Assert.Equal(0, bytes[1]);
    }
}
