namespace Gmem.Reference.Kvm;

/// <summary>
/// One node of <see cref="Stage2"/>: 512 packed entries (<see cref="Stage2Entry"/>) and, above
/// depth 0, the child node of each table entry. Guarded by the VM's mmu lock.
/// </summary>
internal sealed class Stage2Table
{
    /// <summary>Creates an empty node at <paramref name="level"/> (0 = 4 KiB entries).</summary>
    public Stage2Table(int level)
    {
        Level = level;
        Entries = new ulong[512];
        Children = level > 0 ? new Stage2Table?[512] : null;
    }

    /// <summary>Depth of this node: an entry covers 512^Level pages.</summary>
    public int Level { get; }

    /// <summary>The packed entries.</summary>
    public ulong[] Entries { get; }

    /// <summary>Child nodes of table entries (null at depth 0).</summary>
    public Stage2Table?[]? Children { get; }

    /// <summary>Number of present entries.</summary>
    public int Present { get; private set; }

    /// <summary>Sets entry <paramref name="index"/> to a leaf.</summary>
    public void SetLeaf(int index, ulong entry)
    {
        if (!Stage2Entry.IsPresent(Entries[index]))
        {
            Present++;
        }
        Entries[index] = entry;
    }

    /// <summary>Sets entry <paramref name="index"/> to point at <paramref name="child"/>.</summary>
    public void SetChild(int index, Stage2Table child)
    {
        if (!Stage2Entry.IsPresent(Entries[index]))
        {
            Present++;
        }
        Children![index] = child;
        Entries[index] = Stage2Entry.Table;
    }

    /// <summary>Clears entry <paramref name="index"/>.</summary>
    public void ClearEntry(int index)
    {
        if (Stage2Entry.IsPresent(Entries[index]))
        {
            Present--;
        }
        Entries[index] = 0;
        if (Children is not null)
        {
            Children[index] = null;
        }
    }
}
