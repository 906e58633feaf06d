using System.Buffers.Binary;

namespace Jamey3.Engine.Snapshots;

/// <summary>
/// Exact row counts from the b-tree pages of a snapshot as they stream past, instead of a COUNT(*) per table that
/// would read every table again. A rowid table's rows are the cells of its leaf pages; a WITHOUT ROWID table's rows
/// are the cells of all its pages. Only interior pages' child pointers and every page's cell count are kept
/// (3 bytes a page, plus the child lists), and a tree is walked only from its root through pages actually seen, so
/// freelist or overflow pages that look like b-tree pages are never counted. Anything unexpected (a page not seen,
/// a loop, a page of the wrong kind) gives no count, and the caller runs COUNT(*) for that table.
/// </summary>
public sealed class PageCensus(int pageSize, long pageCount)
{
    const byte NotSeen = 0, Other = 0xff;
    const byte IndexInterior = 2, TableInterior = 5, IndexLeaf = 10, TableLeaf = 13;
    readonly byte[] _kind = new byte[pageCount + 1];
    readonly ushort[] _cells = new ushort[pageCount + 1];
    readonly Dictionary<uint, uint[]> _children = [];

    /// <summary>The tables to count: name and root page (0 for a virtual table, which only SQL can count).</summary>
    public List<(string Name, long RootPage)> Tables { get; } = [];

    public void Add(uint page, ReadOnlySpan<byte> data)
    {
        if (page == 0 || page > pageCount || data.Length != pageSize) return;
        int h = page == 1 ? 100 : 0;
        byte kind = data[h];
        bool interior = kind is IndexInterior or TableInterior;
        if (kind is not (IndexInterior or TableInterior or IndexLeaf or TableLeaf)) { _kind[page] = Other; _children.Remove(page); return; }
        int cells = BinaryPrimitives.ReadUInt16BigEndian(data[(h + 3)..]);
        int pointers = h + (interior ? 12 : 8);
        if (pointers + 2 * cells > pageSize) { _kind[page] = Other; _children.Remove(page); return; }
        if (interior)
        {
            var children = new uint[cells + 1];
            for (int i = 0; i < cells; i++)
            {
                int cell = BinaryPrimitives.ReadUInt16BigEndian(data[(pointers + 2 * i)..]);
                if (cell < pointers + 2 * cells || cell + 4 > pageSize) { _kind[page] = Other; _children.Remove(page); return; }
                children[i] = BinaryPrimitives.ReadUInt32BigEndian(data[cell..]);
            }
            children[cells] = BinaryPrimitives.ReadUInt32BigEndian(data[(h + 8)..]);
            _children[page] = children;
        }
        else _children.Remove(page);
        _kind[page] = kind;
        _cells[page] = (ushort)cells;
    }

    /// <summary>The number of rows in the b-tree rooted at <paramref name="root"/>, or null when the census cannot tell.</summary>
    public long? Count(long root)
    {
        if (root <= 0 || root > pageCount) return null;
        bool table = _kind[root] is TableInterior or TableLeaf;
        var visited = new HashSet<uint>();
        var stack = new Stack<uint>();
        stack.Push((uint)root);
        long rows = 0;
        while (stack.Count > 0)
        {
            uint page = stack.Pop();
            if (page == 0 || page > pageCount || !visited.Add(page)) return null;
            byte kind = _kind[page];
            if (kind is NotSeen or Other) return null;
            if (table != (kind is TableInterior or TableLeaf)) return null;
            if (kind != TableInterior) rows += _cells[page];
            if (kind is TableInterior or IndexInterior)
                foreach (var child in _children[page]) stack.Push(child);
        }
        return rows;
    }
}
