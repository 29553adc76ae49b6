namespace Gmem.Contract.Tests;

// §4.3: fallocate on a file of 4 pages, table-driven, in the kernel's check order (VFS checks first).
public abstract partial class GuestMemfdContractTests
{
    private const int KeepSize = FallocateFlags.KeepSize;
    private const int Punch = FallocateFlags.KeepSize | FallocateFlags.PunchHole;

    [SkippableTheory]
    [InlineData(KeepSize, 0L, 4L * Pg)]              // 13
    [InlineData(Punch, 4L * Pg, (long)Pg)]           // 17: punching at EOF does nothing
    [InlineData(Punch, 5L * Pg, (long)Pg)]           // 18: and beyond EOF
    [InlineData(Punch, 0L, 4L * Pg)]
    [InlineData(KeepSize, 3L * Pg, (long)Pg)]
    [InlineData(Punch, 0L, 1L << 40)]                // far past EOF: no upper-bound check for punch
    public void Fallocate_ValidRange_Succeeds(int mode, long offset, long length)
    {
        IGuestMemfd file = NewFile(4 * Pg);
        file.Fallocate(mode, offset, length);
        Assert.Equal(4L * Pg, Host.FileStat(file.Fd).Size);
    }

    [SkippableTheory]
    [InlineData(Punch, Pg - 1L, (long)Pg, Errno.EINVAL)]          // 14
    [InlineData(KeepSize, 4L * Pg, (long)Pg, Errno.EINVAL)]       // 15: starts at EOF
    [InlineData(KeepSize, 5L * Pg, (long)Pg, Errno.EINVAL)]       // 16: past EOF
    [InlineData(Punch, (long)Pg, Pg - 1L, Errno.EINVAL)]          // 19
    [InlineData(Punch, 0L, 1L, Errno.EINVAL)]                     // 21 ...
    [InlineData(Punch, 0L, Pg - 1L, Errno.EINVAL)]
    [InlineData(Punch, 0L, Pg + 1L, Errno.EINVAL)]
    [InlineData(Punch, 1L, 1L, Errno.EINVAL)]
    [InlineData(Punch, 1L, Pg - 1L, Errno.EINVAL)]
    [InlineData(Punch, 1L, (long)Pg, Errno.EINVAL)]
    [InlineData(Punch, 1L, Pg + 1L, Errno.EINVAL)]
    [InlineData(Punch, (long)Pg, 1L, Errno.EINVAL)]
    [InlineData(Punch, (long)Pg, Pg + 1L, Errno.EINVAL)]          // ... 21 (PG, PG-1 is row 19)
    [InlineData(0, 0L, (long)Pg, Errno.EOPNOTSUPP)]               // 22: mode 0 (no KEEP_SIZE)
    [InlineData(FallocateFlags.PunchHole, 0L, (long)Pg, Errno.EOPNOTSUPP)]
    [InlineData(KeepSize | FallocateFlags.ZeroRange, 0L, (long)Pg, Errno.EOPNOTSUPP)]
    [InlineData(FallocateFlags.ZeroRange, 0L, (long)Pg, Errno.EOPNOTSUPP)]
    [InlineData(FallocateFlags.CollapseRange, 0L, (long)Pg, Errno.EOPNOTSUPP)]
    [InlineData(FallocateFlags.InsertRange, 0L, (long)Pg, Errno.EOPNOTSUPP)]
    [InlineData(FallocateFlags.UnshareRange, 0L, (long)Pg, Errno.EOPNOTSUPP)]
    [InlineData(KeepSize, 3L * Pg, 2L * Pg, Errno.EINVAL)]        // 23: straddles EOF
    [InlineData(KeepSize, 0L, 0L, Errno.EINVAL)]                  // len = 0
    [InlineData(KeepSize, -Pg, (long)Pg, Errno.EINVAL)]           // offset < 0
    [InlineData(KeepSize, 0L, -Pg, Errno.EINVAL)]                 // len < 0
    [InlineData(KeepSize, (long)Pg, long.MaxValue, Errno.EFBIG)]  // offset + len wraps past 2^63
    [InlineData(Punch, (long)Pg, long.MaxValue, Errno.EFBIG)]
    // Two checks fail: the first in the kernel's order decides.
    [InlineData(0, 0L, 0L, Errno.EINVAL)]                         // VFS len check before the mode check
    [InlineData(0, -Pg, (long)Pg, Errno.EINVAL)]                  // VFS offset check before the mode check
    [InlineData(0, 1L, 1L, Errno.EOPNOTSUPP)]                     // mode check before alignment
    [InlineData(0, 5L * Pg, (long)Pg, Errno.EOPNOTSUPP)]          // mode check before the EOF check
    [InlineData(FallocateFlags.PunchHole, 1L, 1L, Errno.EOPNOTSUPP)]
    [InlineData(0, (long)Pg, long.MaxValue, Errno.EFBIG)]         // VFS EFBIG before guest_memfd's mode check
    [InlineData(KeepSize, 1L, long.MaxValue, Errno.EFBIG)]        // EFBIG before alignment
    [InlineData(KeepSize, 5L * Pg + 1, (long)Pg, Errno.EINVAL)]   // unaligned and past EOF
    public void Fallocate_BadInput_KernelErrnoInCheckOrder(int mode, long offset, long length, Errno expected)
    {
        IGuestMemfd file = NewFile(4 * Pg);
        AssertErrno(expected, () => file.Fallocate(mode, offset, length), $"fallocate(mode 0x{mode:x}, 0x{offset:x}, 0x{length:x})");
    }

    [SkippableFact]
    public void Fallocate_PunchThenAllocateSamePage_BothSucceed()
    {
        IGuestMemfd file = NewFile(4 * Pg);
        file.Fallocate(FallocateMode.Allocate, 0, 4 * Pg);
        file.Fallocate(FallocateMode.PunchHole, Pg, Pg);       // 20
        file.Fallocate(FallocateMode.Allocate, Pg, Pg);
    }

    [SkippableFact]
    public void Fallocate_AfterVmClosed_PunchAndAllocateSucceed()
    {
        IVirtualMachine vm = NewVm();
        RequireFlags(vm, GuestMemfdFlags.None);
        IGuestMemfd file = Own(vm.CreateGuestMemfd(4 * Pg, GuestMemfdFlags.None));
        vm.Dispose();
        file.Fallocate(FallocateMode.PunchHole, 0, 4 * Pg);    // 24
        file.Fallocate(FallocateMode.Allocate, 0, 4 * Pg);
    }
}
