using Gmem.Vmm.Programs;

namespace Gmem.Vmm.Tests;

/// <summary>The README's example, verbatim: a confidential VM in under 15 lines of user code, on the default platform.</summary>
public class LibraryExampleTests
{
    [Fact]
    public void ReadmeExample_ConfidentialVm_RunsAndSharesOnlyTheWindow()
    {
        // --- user code: 12 lines ---
        using MicroVm vm = VmBuilder.Create()                       // Kvm when /dev/kvm is usable, else Reference
            .WithMemory(4 << 20)                                     // one guest_memfd, private by default
            .WithSharedWindow(new Gpa(0x300000), 0x10000)            // the only range the host may touch
            .WithProgram(new GuestProgram()
                .Fill(new Gpa(0x100000), 0x4000, 0xA5)               // private: never visible to the host
                .Share(new Gpa(0x200000), 0x1000)                    // MAP_GPA_RANGE → ConversionService
                .Fill(new Gpa(0x200000), 0x1000, 0x5A)
                .Report(42))
            .Build();
        GuestRunResult result = vm.Run();
        var seen = new byte[0x1000];
        vm.ReadShared(new Gpa(0x200000), seen);
        // --- end of user code ---

        Assert.Equal(GuestRunOutcome.Halted, result.Outcome);
        Assert.Equal([42L], result.Values);
        Assert.All(seen, b => Assert.Equal(0x5A, b));
        Assert.Empty(vm.HostVisiblePrivateRanges());
        Assert.Equal(Errno.EFAULT, Assert.Throws<GmemException>(() => vm.ReadShared(new Gpa(0x100000), new byte[1])).Errno);
    }
}
