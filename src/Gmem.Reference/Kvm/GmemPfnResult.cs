namespace Gmem.Reference.Kvm;

/// <summary>
/// The answer of a gmem lookup (spec §2.11): the frame and the order of its folio, or an errno
/// (EFAULT file closed, EIO binding mismatch, EHWPOISON, ENOMEM, …).
/// </summary>
/// <param name="Errno">0 on success.</param>
/// <param name="Pfn">The frame of the requested page.</param>
/// <param name="FolioHead">First frame of the folio holding it.</param>
/// <param name="FolioOrder">Order of that folio (0 = 4 KiB, 9 = 2 MiB, 18 = 1 GiB).</param>
internal readonly record struct GmemPfnResult(Errno Errno, Pfn Pfn, Pfn FolioHead, int FolioOrder)
{
    /// <summary>Whether the lookup succeeded.</summary>
    public bool IsSuccess => Errno == 0;

    /// <summary>A failed lookup.</summary>
    public static GmemPfnResult Fail(Errno errno) => new(errno, default, default, 0);
}
