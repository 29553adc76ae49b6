using Gmem.Reference;

namespace Gmem.Contract.Tests;

/// <summary>The memslot contract on the Reference platform (7.2 answers: the spec's target).</summary>
public sealed class ReferenceMemslotContractTests : MemslotContractTests
{
    protected override IHypervisor CreateHypervisor() => new ReferenceHypervisor();
}
