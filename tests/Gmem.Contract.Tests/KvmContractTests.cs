using Gmem.Kvm;
using Gmem.TestSupport;

namespace Gmem.Contract.Tests;

/// <summary>What the running Linux kernel answers where releases differ (spec §2.7 checks 14–15, 7.2 pull).</summary>
internal static class KvmKernel
{
    /// <summary>Whether the running kernel is 7.2 or newer.</summary>
    public static bool Is72OrNewer => Environment.OSVersion.Version >= new Version(7, 2);
}

/// <summary>The guest memory file contract on the real kernel.</summary>
public sealed class KvmGuestMemfdContractTests : GuestMemfdContractTests
{
    protected override string? SkipReason => KvmAvailability.SkipReason;

    protected override IHypervisor CreateHypervisor() => KvmHypervisor.Open();
}

/// <summary>The memslot contract on the real kernel; Linux up to 7.1 keeps the two pre-7.2 answers.</summary>
public sealed class KvmMemslotContractTests : MemslotContractTests
{
    protected override string? SkipReason => KvmAvailability.SkipReason;

    protected override IHypervisor CreateHypervisor() => KvmHypervisor.Open();

    protected override Errno OverlappingBindingErrno => KvmKernel.Is72OrNewer ? Errno.EEXIST : Errno.EINVAL;

    protected override bool AcceptsSignedOffsetOverflow => !KvmKernel.Is72OrNewer;
}

/// <summary>The host process contract on the real process.</summary>
public sealed class KvmHostProcessContractTests : HostProcessContractTests
{
    protected override string? SkipReason => KvmAvailability.SkipReason;

    protected override IHypervisor CreateHypervisor() => KvmHypervisor.Open();
}
