namespace Gmem.Tests;

public class GmemExceptionTests
{
    [Fact]
    public void Constructor_OperationAndErrno_AreKeptAndNamedInMessage()
    {
        var e = new GmemException("KVM_SET_USER_MEMORY_REGION2", Errno.EEXIST, "Slot 2 overlaps slot 1.");

        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Equal("KVM_SET_USER_MEMORY_REGION2", e.Operation);
        Assert.Null(e.ErrorOffset);
        Assert.Equal("KVM_SET_USER_MEMORY_REGION2 failed: EEXIST: Slot 2 overlaps slot 1.", e.Message);
        Assert.IsAssignableFrom<IOException>(e);
    }

    [Fact]
    public void FromErrno_UnknownNumber_IsNamedByNumber()
    {
        var e = GmemException.FromErrno("ioctl", 200);

        Assert.Equal(200, (int)e.Errno);
        Assert.Contains("errno 200", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostAccessFault_IsEfaultWithAddress()
    {
        var fault = new HostAccessFault("read", new Hva(0x7f00_0000_1000));

        Assert.Equal(Errno.EFAULT, fault.Errno);
        Assert.Equal(new Hva(0x7f00_0000_1000), fault.Address);
        Assert.Contains("0x7f0000001000", fault.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Errno.EINVAL, 22)]
    [InlineData(Errno.EHWPOISON, 133)]
    [InlineData(Errno.EOPNOTSUPP, 95)]
    [InlineData(Errno.ESPIPE, 29)]
    public void Errno_Values_MatchLinuxX86(Errno errno, int expected) => Assert.Equal(expected, (int)errno);
}
