// A memfd (`memfd_create`): an ordinary shmem file, the non-gmem backing a VMM maps for shared memory.
//
// Data model: size and a page cache of order-0 frames (page index → frame), zeroed when allocated;
// a file position for read/write. Reopening by path gives a new description of the same pages, so the
// pages live in a MemfdFile.Pages object shared by those descriptions.
//
// Locking: one lock per page store guards size, pages and the frames' lifetime; user faults install
// their entries while holding it, and truncation zaps host entries before freeing frames.

namespace Gmem.Reference.Host;

/// <summary>An open memfd.</summary>
internal sealed class MemfdFile : HostFile
{
    private static long s_nextInode = 0x100000;
    private readonly Store _store;
    private long _position;

    /// <summary>Creates a memfd of <paramref name="size"/> bytes.</summary>
    public MemfdFile(FrameAccess frames, long size)
        : this(new Store(frames, size))
    {
    }

    private MemfdFile(Store store)
    {
        _store = store;
        Interlocked.Increment(ref store.Opens);
    }

    /// <summary>Current size.</summary>
    public long Size => Volatile.Read(ref _store.Size);

    /// <inheritdoc/>
    public override FileStatus Stat()
    {
        lock (_store)
        {
            return new FileStatus(_store.Size, Page.Size, _store.Pages.Count * (Page.Size / 512), FileStatus.RegularFile | 0x1FF, _store.Inode);
        }
    }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        int done = PRead(buffer, _position);
        _position += done;
        return done;
    }

    /// <inheritdoc/>
    public override int Write(ReadOnlySpan<byte> buffer)
    {
        int done = PWrite(buffer, _position);
        _position += done;
        return done;
    }

    /// <inheritdoc/>
    public override int PRead(Span<byte> buffer, long offset)
    {
        if (offset < 0)
        {
            throw new GmemException("pread", Errno.EINVAL);
        }
        lock (_store)
        {
            int count = (int)Math.Clamp(_store.Size - offset, 0, buffer.Length);
            for (int done = 0; done < count;)
            {
                long at = offset + done;
                int inPage = (int)(at & (long)Page.OffsetMask);
                int chunk = Math.Min(Page.Size - inPage, count - done);
                if (_store.Pages.TryGetValue((ulong)at >> Page.Shift, out Pfn frame))
                {
                    _store.Frames.Read(frame, inPage, buffer.Slice(done, chunk));
                }
                else
                {
                    buffer.Slice(done, chunk).Clear();
                }
                done += chunk;
            }
            return count;
        }
    }

    /// <inheritdoc/>
    public override int PWrite(ReadOnlySpan<byte> buffer, long offset)
    {
        if (offset < 0)
        {
            throw new GmemException("pwrite", Errno.EINVAL);
        }
        lock (_store)
        {
            for (int done = 0; done < buffer.Length;)
            {
                long at = offset + done;
                int inPage = (int)(at & (long)Page.OffsetMask);
                int chunk = Math.Min(Page.Size - inPage, buffer.Length - done);
                _store.Frames.Write(_store.GetOrCreate((ulong)at >> Page.Shift), inPage, buffer.Slice(done, chunk));
                done += chunk;
            }
            _store.Size = Math.Max(_store.Size, offset + buffer.Length);
            return buffer.Length;
        }
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin whence)
    {
        long target = whence switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Size + offset,
        };
        _position = target >= 0 ? target : throw new GmemException("lseek", Errno.EINVAL);
        return target;
    }

    /// <inheritdoc/>
    public override void Truncate(long length)
    {
        if (length < 0)
        {
            throw new GmemException("ftruncate", Errno.EINVAL);
        }
        lock (_store)
        {
            ulong keep = Page.CountPages((ulong)length);
            _store.Remove(new PageIndex(keep), new PageIndex(ulong.MaxValue >> Page.Shift));
            _store.Size = length;
        }
    }

    /// <inheritdoc/>
    public override void Fallocate(int mode, long offset, long length)
    {
        if (offset < 0 || length <= 0)
        {
            throw new GmemException("fallocate", Errno.EINVAL);
        }
        if (mode != (FallocateFlags.KeepSize | FallocateFlags.PunchHole))
        {
            throw new GmemException("fallocate", Errno.EOPNOTSUPP, "The Reference memfd only punches holes.");
        }
        lock (_store)
        {
            // shmem zeroes partial pages; only whole pages are freed.
            _store.Remove(new PageIndex(Page.CountPages((ulong)offset)), PageIndex.FromOffset(offset + length));
        }
    }

    /// <inheritdoc/>
    public override HostFile Reopen() => new MemfdFile(_store);

    /// <inheritdoc/>
    public override void CheckMmap(MapFlags flags, MapProtection protection)
    {
    }

    /// <inheritdoc/>
    public override void FaultShared(Vma vma, PageIndex index, bool write, Hva address)
    {
        lock (_store)
        {
            if (index.Offset >= _store.Size)
            {
                throw new HostAccessFault("page fault", address, $"SIGBUS at {address}: beyond the end of the memfd.");
            }
            Pfn frame = _store.GetOrCreate(index.Value);
            lock (vma.Space.PageTableLock)
            {
                vma.InstallFilePageLocked(new Hva(address.Value & ~Page.OffsetMask), frame, writable: vma.IsShared);
            }
        }
    }

    /// <inheritdoc/>
    public override void AddMapping(Vma vma)
    {
        lock (_store)
        {
            _store.Mappings.Add(vma);
        }
    }

    /// <inheritdoc/>
    public override void RemoveMapping(Vma vma)
    {
        lock (_store)
        {
            _store.Mappings.Remove(vma);
        }
    }

    /// <inheritdoc/>
    protected override void Release()
    {
        if (Interlocked.Decrement(ref _store.Opens) == 0)
        {
            lock (_store)
            {
                _store.Remove(new PageIndex(0), new PageIndex(ulong.MaxValue >> Page.Shift));
            }
        }
    }

    /// <summary>The memfd's pages (its inode), shared by every description of it.</summary>
    private sealed class Store(FrameAccess frames, long size)
    {
        public readonly FrameAccess Frames = frames;
        public readonly Dictionary<ulong, Pfn> Pages = [];
        public readonly HashSet<Vma> Mappings = [];
        public readonly ulong Inode = (ulong)Interlocked.Increment(ref s_nextInode);
        public long Size = size;
        public int Opens;

        public Pfn GetOrCreate(ulong index)
        {
            if (!Pages.TryGetValue(index, out Pfn frame))
            {
                frame = Frames.AllocateAnonymous();
                Pages.Add(index, frame);
            }
            return frame;
        }

        public void Remove(PageIndex first, PageIndex end)
        {
            if (first >= end)
            {
                return;
            }
            foreach (Vma vma in Mappings)
            {
                vma.Space.ZapFilePages(vma, first, end);
            }
            foreach (ulong index in Pages.Keys.Where(k => k >= first.Value && k < end.Value).ToList())
            {
                Frames.FreeAnonymous(Pages[index]);
                Pages.Remove(index);
            }
        }
    }
}
