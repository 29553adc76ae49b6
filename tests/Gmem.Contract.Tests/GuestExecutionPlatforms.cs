using Gmem.Kvm;
using Gmem.Reference;
using Gmem.TestSupport;

namespace Gmem.Contract.Tests;

/// <summary>Guest execution on the real kernel: x86-64 at CPL3, so the guest reaches guest_memfd directly (spec §7).</summary>
public sealed class KvmGuestExecutionContractTests : GuestExecutionContractTests
{
    protected override string? SkipReason => KvmAvailability.SkipReason;

    protected override IHypervisor CreateHypervisor() => KvmHypervisor.Open();
}

/// <summary>Guest execution on the Reference platform: the bytecode vCPU, its code in a plain slot of its own.</summary>
public sealed class ReferenceGuestExecutionContractTests : GuestExecutionContractTests
{
    protected override IHypervisor CreateHypervisor() => new ReferenceHypervisor();
}
