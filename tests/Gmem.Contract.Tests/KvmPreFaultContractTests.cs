using Gmem.Kvm;
using Gmem.TestSupport;

namespace Gmem.Contract.Tests;

/// <summary>KVM_PRE_FAULT_MEMORY on the real kernel (skips where the capability is 0, as on the PVM host).</summary>
public sealed class KvmPreFaultContractTests : PreFaultContractTests
{
    protected override string? SkipReason => KvmAvailability.SkipReason;

    protected override IHypervisor CreateHypervisor() => KvmHypervisor.Open();
}
