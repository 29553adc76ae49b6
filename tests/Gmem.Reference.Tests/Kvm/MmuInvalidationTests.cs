using Gmem.Reference.Kvm;

namespace Gmem.Reference.Tests.Kvm;

public sealed class MmuInvalidationTests
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);
    private readonly MmuInvalidation _mmu;

    public MmuInvalidationTests()
    {
        _mmu = new MmuInvalidation(_lock);
    }

    private void Locked(Action action)
    {
        _lock.EnterWriteLock();
        try
        {
            action();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private bool MustRetry(ulong gfn, FaultSnapshot snap)
    {
        bool result = false;
        Locked(() => result = _mmu.MustRetryLocked(new Gfn(gfn), snap));
        return result;
    }

    [Fact]
    public void MustRetry_NoInvalidation_False()
    {
        FaultSnapshot snap = _mmu.Snapshot();
        Assert.False(MustRetry(5, snap), "Without any invalidation a fault installs.");
    }

    [Fact]
    public void MustRetry_InProgressCoveringGfn_True()
    {
        FaultSnapshot snap = _mmu.Snapshot();
        Locked(() => { _mmu.BeginLocked(); _mmu.AddRangeLocked(new Gfn(10), new Gfn(20)); });
        Assert.True(MustRetry(15, snap), "A gfn inside the in-flight range retries.");
        Assert.True(_mmu.IsInProgressFor(new Gfn(10)));
        Assert.False(_mmu.IsInProgressFor(new Gfn(20)), "The range is half-open.");
    }

    [Fact]
    public void MustRetry_InProgressElsewhereSameSeq_False()
    {
        FaultSnapshot snap = _mmu.Snapshot();
        Locked(() => { _mmu.BeginLocked(); _mmu.AddRangeLocked(new Gfn(10), new Gfn(20)); });
        Assert.False(MustRetry(25, snap), "A gfn outside the range installs while seq is unchanged.");
    }

    [Fact]
    public void MustRetry_BeginWithoutRangeYet_True()
    {
        FaultSnapshot snap = _mmu.Snapshot();
        Locked(_mmu.BeginLocked);
        Assert.True(MustRetry(999, snap), "An invalidation without a range yet covers every gfn.");
    }

    [Fact]
    public void MustRetry_EndedSinceSnapshot_TrueEvenOutsideRange()
    {
        FaultSnapshot snap = _mmu.Snapshot();
        Locked(() => { _mmu.BeginLocked(); _mmu.AddRangeLocked(new Gfn(10), new Gfn(20)); _mmu.EndLocked(); });
        Assert.True(MustRetry(100, snap), "Any completed invalidation since the snapshot changes seq.");
        Assert.False(MustRetry(100, _mmu.Snapshot()), "A fresh snapshot installs.");
    }

    [Fact]
    public void Range_ConcurrentInvalidations_HullNeverShrinksUntilZero()
    {
        Locked(() =>
        {
            _mmu.BeginLocked();
            _mmu.AddRangeLocked(new Gfn(10), new Gfn(20));
            _mmu.BeginLocked();
            _mmu.AddRangeLocked(new Gfn(100), new Gfn(110));
        });
        Assert.Equal((new Gfn(10), new Gfn(110)), _mmu.Range);
        Locked(_mmu.EndLocked);
        Assert.Equal((new Gfn(10), new Gfn(110)), _mmu.Range);
        FaultSnapshot snap = _mmu.Snapshot();
        Assert.True(MustRetry(50, snap), "The hull covers the gap between two ranges (false positive allowed).");
        Locked(_mmu.EndLocked);
        Assert.Equal(0, _mmu.InProgress);
        Locked(() => { _mmu.BeginLocked(); _mmu.AddRangeLocked(new Gfn(1), new Gfn(2)); });
        Assert.Equal((new Gfn(1), new Gfn(2)), _mmu.Range);
    }

    [Fact]
    public void EndLocked_BumpsSequenceBeforeCount()
    {
        ulong before = _mmu.Sequence;
        Locked(() => { _mmu.BeginLocked(); _mmu.AddRangeLocked(new Gfn(1), new Gfn(2)); });
        Assert.Equal(before, _mmu.Sequence);
        Locked(_mmu.EndLocked);
        Assert.Equal(before + 1, _mmu.Sequence);
        Assert.Equal(0, _mmu.InProgress);
    }

    [Fact]
    public void Log_InstallAfterOverlappingInvalidation_CountsViolation()
    {
        FaultSnapshot snap = _mmu.Snapshot();
        Locked(() => { _mmu.BeginLocked(); _mmu.AddRangeLocked(new Gfn(10), new Gfn(20)); _mmu.EndLocked(); });
        bool ok = true;
        Locked(() => ok = _mmu.Log.CheckInstall(12, snap.LogPosition));
        Assert.False(ok, "The witness log flags an install that ignored an overlapping invalidation.");
        Assert.Equal(1, _mmu.Log.Violations);
        Locked(() => ok = _mmu.Log.CheckInstall(30, snap.LogPosition));
        Assert.True(ok, "A non-overlapping install is fine.");
    }
}
