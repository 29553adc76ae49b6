namespace Gmem;

/// <summary>Protection bits of a host mapping (<c>PROT_*</c>).</summary>
[Flags]
public enum MapProtection
{
    /// <summary>PROT_NONE.</summary>
    None = 0,
    /// <summary>PROT_READ.</summary>
    Read = 1,
    /// <summary>PROT_WRITE.</summary>
    Write = 2,
    /// <summary>PROT_EXEC.</summary>
    Exec = 4,
    /// <summary>PROT_READ | PROT_WRITE.</summary>
    ReadWrite = Read | Write,
}

/// <summary>Mapping flags (<c>MAP_*</c>).</summary>
[Flags]
public enum MapFlags
{
    /// <summary>MAP_SHARED.</summary>
    Shared = 0x01,
    /// <summary>MAP_PRIVATE.</summary>
    Private = 0x02,
    /// <summary>MAP_ANONYMOUS.</summary>
    Anonymous = 0x20,
    /// <summary>MAP_NORESERVE.</summary>
    NoReserve = 0x4000,
    /// <summary>MAP_POPULATE.</summary>
    Populate = 0x8000,
}

/// <summary>madvise advice values (<c>MADV_*</c>).</summary>
public enum MemoryAdvice
{
    /// <summary>MADV_DONTNEED: drop the process's page table entries.</summary>
    DontNeed = 4,
    /// <summary>MADV_REMOVE.</summary>
    Remove = 9,
    /// <summary>MADV_HUGEPAGE.</summary>
    HugePage = 14,
    /// <summary>MADV_NOHUGEPAGE.</summary>
    NoHugePage = 15,
    /// <summary>MADV_COLLAPSE.</summary>
    Collapse = 25,
}

/// <summary>What <c>fstat</c> reports of a file.</summary>
/// <param name="Size">st_size.</param>
/// <param name="BlockSize">st_blksize.</param>
/// <param name="Blocks">st_blocks (512-byte units).</param>
/// <param name="Mode">st_mode (type and permission bits).</param>
/// <param name="Inode">st_ino.</param>
public readonly record struct FileStatus(long Size, long BlockSize, long Blocks, uint Mode, ulong Inode)
{
    /// <summary>S_IFMT.</summary>
    public const uint TypeMask = 0xF000;

    /// <summary>S_IFREG.</summary>
    public const uint RegularFile = 0x8000;

    /// <summary>Whether the file is a regular file.</summary>
    public bool IsRegularFile => (Mode & TypeMask) == RegularFile;

    /// <summary>The permission bits.</summary>
    public uint Permissions => Mode & 0xFFF;
}

/// <summary>The open-file status flags (<c>F_GETFL</c>) and descriptor flags (<c>F_GETFD</c>) of a descriptor.</summary>
/// <param name="StatusFlags">O_* flags, e.g. O_RDWR = 2, O_LARGEFILE = 0x8000.</param>
/// <param name="CloseOnExec">FD_CLOEXEC is set.</param>
public readonly record struct FileDescriptorState(int StatusFlags, bool CloseOnExec)
{
    /// <summary>O_ACCMODE.</summary>
    public const int AccessModeMask = 3;

    /// <summary>O_RDWR.</summary>
    public const int ReadWrite = 2;

    /// <summary>O_LARGEFILE on x86-64.</summary>
    public const int LargeFile = 0x8000;
}
