using Gmem.Reference;
using Gmem.Vmm;

namespace Gmem.Contract.Tests;

/// <summary>
/// The guest memory file contract (spec §4.1–§4.4) on the Reference platform: the same assertions as on the
/// real kernel. The Reference host is small (256 MiB, 8 × 2 MiB and one 1 GiB pool page, on ordinary memory: the flag-bit scenario creates one file of each huge size) so that
/// each test starts fast; every scenario here fits in it.
/// </summary>
public sealed class ReferenceGuestMemfdContractTests : GuestMemfdContractTests
{
    protected override IHypervisor CreateHypervisor() => Hypervisors.CreateReference(new ReferenceOptions
    {
        MemoryBytes = 256L << 20,
        HugePages2M = 8,
        HugePages1G = 1,
        UseHostHugePages = false,
    });
}
