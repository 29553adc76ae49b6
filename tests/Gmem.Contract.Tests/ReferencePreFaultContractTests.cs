using Gmem.Reference;

namespace Gmem.Contract.Tests;

/// <summary>KVM_PRE_FAULT_MEMORY on the Reference platform.</summary>
public sealed class ReferencePreFaultContractTests : PreFaultContractTests
{
    protected override IHypervisor CreateHypervisor() => new ReferenceHypervisor();
}
