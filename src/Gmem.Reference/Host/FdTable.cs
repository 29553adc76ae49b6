// The file descriptor table of the simulated host process (the kernel's `files_struct`).
//
// Data model: descriptor number → (open file description, close-on-exec). Numbers 0–2 are taken by
// stdin/stdout/stderr, so the first file gets 3; a new descriptor takes the lowest free number, as
// POSIX requires. Each entry holds one reference on its HostFile.
//
// Locking: one lock around the table. Files are Put after it is dropped (a release may take file and
// VM locks).

namespace Gmem.Reference.Host;

/// <summary>Descriptor numbers → open files of a <see cref="HostProcess"/>.</summary>
internal sealed class FdTable
{
    private const int FirstFree = 3;
    private readonly object _lock = new();
    private readonly SortedDictionary<int, (HostFile File, bool CloseOnExec)> _entries = [];

    /// <summary>Open descriptors.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Installs <paramref name="file"/> at the lowest free number, taking over the caller's reference.</summary>
    public int Install(HostFile file, bool closeOnExec)
    {
        lock (_lock)
        {
            int fd = FirstFree;
            foreach (int used in _entries.Keys)
            {
                if (used < fd)
                {
                    continue;
                }
                if (used != fd)
                {
                    break;
                }
                fd++;
            }
            _entries.Add(fd, (file, closeOnExec));
            return fd;
        }
    }

    /// <summary>fget: the file behind <paramref name="fd"/> with a new reference the caller must Put, or EBADF.</summary>
    public HostFile Get(int fd, string operation)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(fd, out var entry))
            {
                throw new GmemException(operation, Errno.EBADF, $"{fd} is not an open file descriptor.");
            }
            entry.File.Get();
            return entry.File;
        }
    }

    /// <summary>Whether <paramref name="fd"/> has FD_CLOEXEC, or EBADF.</summary>
    public bool IsCloseOnExec(int fd, string operation)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(fd, out var entry)
                ? entry.CloseOnExec
                : throw new GmemException(operation, Errno.EBADF, $"{fd} is not an open file descriptor.");
        }
    }

    /// <summary>close: removes the descriptor and drops its reference, or EBADF.</summary>
    public void Close(int fd)
    {
        HostFile file;
        lock (_lock)
        {
            if (!_entries.Remove(fd, out var entry))
            {
                throw new GmemException("close", Errno.EBADF, $"{fd} is not an open file descriptor.");
            }
            file = entry.File;
        }
        file.Put();
    }

    /// <summary>Closes every descriptor (process exit).</summary>
    public void CloseAll()
    {
        List<HostFile> files;
        lock (_lock)
        {
            files = [.. _entries.Values.Select(e => e.File)];
            _entries.Clear();
        }
        foreach (HostFile file in files)
        {
            file.Put();
        }
    }
}
