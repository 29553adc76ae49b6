using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Gmem.Kvm.Interop;

namespace Gmem.Kvm;

/// <summary>What kind of file a descriptor opened by Gmem refers to; decides how host accesses are classified.</summary>
internal enum FileDescriptorKind
{
    Other,
    GuestMemfd,
}

/// <summary>
/// An owned file descriptor (<c>close</c> on release). Every descriptor the Kvm platform opens is one of these,
/// and the process-wide table maps the number back to its owner so that <see cref="KvmHostProcess.Close"/> and
/// <see cref="KvmHostProcess.MapFile"/> find it. The table entry is removed before the number is closed, so a
/// number the kernel hands out again is never confused with the old owner.
/// </summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    private static readonly ConcurrentDictionary<int, FileDescriptorHandle> s_open = new();

    private FileDescriptorHandle(int fd, FileDescriptorKind kind, long guestMemfdSize, GuestMemfdFlags guestMemfdFlags)
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
        SetHandle(fd);
        Number = fd;
        Kind = kind;
        GuestMemfdSize = guestMemfdSize;
        GuestMemfdFlags = guestMemfdFlags;
    }

    /// <summary>The descriptor number (stays readable after close, for messages).</summary>
    public int Number { get; }

    /// <summary>What the descriptor refers to.</summary>
    public FileDescriptorKind Kind { get; }

    /// <summary>For a guest_memfd: its size in bytes.</summary>
    public long GuestMemfdSize { get; }

    /// <summary>For a guest_memfd: the flags it was created with.</summary>
    public GuestMemfdFlags GuestMemfdFlags { get; }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == -1;

    /// <summary>Takes ownership of <paramref name="fd"/>, which a successful system call just returned.</summary>
    internal static FileDescriptorHandle Own(int fd) => Own(fd, FileDescriptorKind.Other, 0, GuestMemfdFlags.None);

    /// <summary>Takes ownership of <paramref name="fd"/>, describing what it refers to.</summary>
    internal static FileDescriptorHandle Own(int fd, FileDescriptorKind kind, long guestMemfdSize, GuestMemfdFlags guestMemfdFlags)
    {
        var owner = new FileDescriptorHandle(fd, kind, guestMemfdSize, guestMemfdFlags);
        s_open[fd] = owner;
        return owner;
    }

    /// <summary>The live owner of descriptor <paramref name="fd"/>, if Gmem opened it.</summary>
    internal static FileDescriptorHandle? Find(int fd) =>
        s_open.TryGetValue(fd, out FileDescriptorHandle? owner) && !owner.IsClosed ? owner : null;

    /// <summary>
    /// Runs <paramref name="call"/> with the descriptor number while holding a reference, so a concurrent
    /// Dispose cannot close (and the kernel cannot reuse) the number in the middle of the call.
    /// </summary>
    internal int Use<TState>(TState state, Func<int, TState, int> call)
    {
        bool added = false;
        try
        {
            // SAFETY: DangerousAddRef throws ObjectDisposedException for a closed handle; the reference keeps
            // the number open until the matching DangerousRelease below.
            DangerousAddRef(ref added);
            return call(Number, state);
        }
        finally
        {
            if (added)
            {
                // SAFETY: releases exactly the reference taken above.
                DangerousRelease();
            }
        }
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        s_open.TryRemove(new KeyValuePair<int, FileDescriptorHandle>(Number, this));
        return Libc.close(Number) == 0;
    }
}
