using System.Globalization;
using System.Text;
using System.Xml;

namespace Gmem.Vmm.Maps;

/// <summary>
/// Draws a <see cref="GuestMemoryMap"/> as a grid of cells, each covering the same number of bytes, in two
/// forms: an SVG picture and a compact terminal view. A cell shows the kind that covers most of it and the
/// largest mapping level inside it.
/// </summary>
public static class MemoryMapRenderer
{
    private const int CellPixels = 12;

    /// <summary>Terminal characters: '.' hole, 's'/'p' shared/private not mapped or 4 KiB leaves, 'S'/'P' 2 MiB leaves, '$'/'#' 1 GiB leaves.</summary>
    public static string RenderText(GuestMemoryMap map, int columns = 64, int maxRows = 32)
    {
        ArgumentNullException.ThrowIfNull(map);
        var cells = Cells(map, columns, maxRows, out ulong cellBytes);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"guest memory {map.Start}..{map.End}, one cell = {FormatBytes(cellBytes)}\n");
        for (int row = 0; row * columns < cells.Count; row++)
        {
            Gpa rowStart = map.Start + (ulong)(row * columns) * cellBytes;
            text.Append(rowStart.ToString().PadLeft(14)).Append(' ');
            foreach (var cell in cells.Skip(row * columns).Take(columns))
            {
                text.Append(Glyph(cell.Kind, cell.MappingBytes));
            }
            text.Append('\n');
        }
        text.Append(CultureInfo.InvariantCulture, $"private {FormatBytes(map.BytesOf(MemoryKind.Private))}, shared {FormatBytes(map.BytesOf(MemoryKind.Shared))}, ")
            .Append(CultureInfo.InvariantCulture, $"mapped at 4K {FormatBytes(map.BytesMappedAt(Page.Size))}, 2M {FormatBytes(map.BytesMappedAt((ulong)Page.Size2M))}, 1G {FormatBytes(map.BytesMappedAt((ulong)Page.Size1G))}\n")
            .Append("legend: . hole  s/p shared/private (4K or unmapped)  S/P 2M leaves  $/# 1G leaves\n");
        return text.ToString();
    }

    /// <summary>An SVG document of the map.</summary>
    public static string RenderSvg(GuestMemoryMap map, string title, int columns = 64, int maxRows = 64)
    {
        ArgumentNullException.ThrowIfNull(map);
        var cells = Cells(map, columns, maxRows, out ulong cellBytes);
        int rows = (cells.Count + columns - 1) / columns;
        int width = 120 + columns * CellPixels + 20, height = 60 + rows * CellPixels + 70;
        var output = new StringBuilder();
        using (var svg = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
        {
            svg.WriteStartElement("svg", "http://www.w3.org/2000/svg");
            svg.WriteAttributeString("width", Num(width));
            svg.WriteAttributeString("height", Num(height));
            svg.WriteAttributeString("viewBox", $"0 0 {Num(width)} {Num(height)}");
            Text(svg, 10, 20, $"{title}: {map.Start}..{map.End}, one cell = {FormatBytes(cellBytes)}", 14);
            for (int i = 0; i < cells.Count; i++)
            {
                int row = i / columns, column = i % columns;
                if (column == 0)
                {
                    Text(svg, 10, 40 + (row * CellPixels) + 9, (map.Start + (ulong)i * cellBytes).ToString(), 9);
                }
                Cell(svg, 120 + column * CellPixels, 40 + row * CellPixels, cells[i]);
            }
            int legendY = 50 + rows * CellPixels + 10;
            var legend = new (string Label, MemoryKind Kind, ulong Level)[]
            {
                ("hole", MemoryKind.Hole, 0), ("shared", MemoryKind.Shared, Page.Size), ("private", MemoryKind.Private, Page.Size),
                ("2M leaf", MemoryKind.Private, (ulong)Page.Size2M), ("1G leaf", MemoryKind.Private, (ulong)Page.Size1G),
            };
            for (int i = 0; i < legend.Length; i++)
            {
                Cell(svg, 10 + i * 110, legendY, (legend[i].Kind, legend[i].Level));
                Text(svg, 26 + i * 110, legendY + 10, legend[i].Label, 11);
            }
            Text(svg, 10, legendY + 40, $"private {FormatBytes(map.BytesOf(MemoryKind.Private))}, shared {FormatBytes(map.BytesOf(MemoryKind.Shared))}", 11);
            svg.WriteEndElement();
        }
        return output.ToString();
    }

    private static List<(MemoryKind Kind, ulong MappingBytes)> Cells(GuestMemoryMap map, int columns, int maxRows, out ulong cellBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        ulong total = map.End - map.Start;
        ulong maxCells = (ulong)columns * (ulong)maxRows;
        cellBytes = Page.Size;
        while (total / cellBytes > maxCells)
        {
            cellBytes *= 2;
        }
        var cells = new List<(MemoryKind, ulong)>();
        int index = 0;
        Span<ulong> bytesOfKind = stackalloc ulong[3];
        for (Gpa start = map.Start; start < map.End; start += cellBytes)
        {
            Gpa end = start + Math.Min(cellBytes, map.End - start);
            bytesOfKind.Clear();
            ulong level = 0;
            while (index < map.Ranges.Count && map.Ranges[index].End <= start)
            {
                index++;
            }
            for (int i = index; i < map.Ranges.Count && map.Ranges[i].Start < end; i++)
            {
                MemoryMapRange r = map.Ranges[i];
                ulong overlap = Math.Min(r.End.Value, end.Value) - Math.Max(r.Start.Value, start.Value);
                bytesOfKind[(int)r.Kind] += overlap;
                level = Math.Max(level, r.Kind == MemoryKind.Hole ? 0 : r.MappingBytes);
            }
            int best = 0;
            for (int k = 1; k < 3; k++)
            {
                best = bytesOfKind[k] > bytesOfKind[best] ? k : best;
            }
            cells.Add(((MemoryKind)best, level));
        }
        return cells;
    }

    private static char Glyph(MemoryKind kind, ulong level) => (kind, level) switch
    {
        (MemoryKind.Hole, _) => '.',
        (MemoryKind.Shared, >= (ulong)Page.Size1G) => '$',
        (MemoryKind.Private, >= (ulong)Page.Size1G) => '#',
        (MemoryKind.Shared, >= (ulong)Page.Size2M) => 'S',
        (MemoryKind.Private, >= (ulong)Page.Size2M) => 'P',
        (MemoryKind.Shared, _) => 's',
        _ => 'p',
    };

    private static void Cell(XmlWriter svg, int x, int y, (MemoryKind Kind, ulong MappingBytes) cell)
    {
        string fill = cell.Kind switch { MemoryKind.Private => "#c0392b", MemoryKind.Shared => "#2e86c1", _ => "#eeeeee" };
        svg.WriteStartElement("rect");
        svg.WriteAttributeString("x", Num(x));
        svg.WriteAttributeString("y", Num(y));
        svg.WriteAttributeString("width", Num(CellPixels - 1));
        svg.WriteAttributeString("height", Num(CellPixels - 1));
        svg.WriteAttributeString("fill", fill);
        svg.WriteAttributeString("class", cell.Kind.ToString().ToLowerInvariant());
        if (cell.Kind != MemoryKind.Hole && cell.MappingBytes >= (ulong)Page.Size2M)
        {
            svg.WriteAttributeString("stroke", cell.MappingBytes >= (ulong)Page.Size1G ? "#000000" : "#f1c40f");
            svg.WriteAttributeString("stroke-width", "2");
        }
        svg.WriteEndElement();
    }

    private static void Text(XmlWriter svg, int x, int y, string text, int size)
    {
        svg.WriteStartElement("text");
        svg.WriteAttributeString("x", Num(x));
        svg.WriteAttributeString("y", Num(y));
        svg.WriteAttributeString("font-family", "monospace");
        svg.WriteAttributeString("font-size", Num(size));
        svg.WriteString(text);
        svg.WriteEndElement();
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Bytes as the largest exact binary unit: 4K, 2M, 1G, or plain bytes.</summary>
    public static string FormatBytes(ulong bytes) => bytes switch
    {
        0 => "0",
        _ when bytes % (1UL << 30) == 0 => $"{bytes >> 30}G",
        _ when bytes % (1UL << 20) == 0 => $"{bytes >> 20}M",
        _ when bytes % (1UL << 10) == 0 => $"{bytes >> 10}K",
        _ => bytes.ToString(CultureInfo.InvariantCulture),
    };
}
