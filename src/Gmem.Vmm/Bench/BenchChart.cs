using System.Globalization;
using System.Text;
using System.Xml;

namespace Gmem.Vmm.Bench;

/// <summary>Draws side-by-side measurements as an SVG bar chart: one bar per ratio, a mark at its target.</summary>
public static class BenchChart
{
    private const int Left = 330, BarWidth = 420, Row = 34, Top = 50;

    /// <summary>An SVG document with one bar per comparison (ratio ours/baseline; the dashed mark is the target).</summary>
    public static string RenderSvg(IReadOnlyList<BenchComparison> comparisons, string title)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        double scale = Math.Max(1.0, comparisons.Select(c => Math.Max(double.IsFinite(c.Ratio) ? c.Ratio : 0, c.Target ?? 0)).DefaultIfEmpty(1).Max() * 1.1);
        int height = Top + (comparisons.Count * Row) + 40;
        var output = new StringBuilder();
        using (var svg = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
        {
            svg.WriteStartElement("svg", "http://www.w3.org/2000/svg");
            Attr(svg, "width", Left + BarWidth + 120);
            Attr(svg, "height", height);
            Text(svg, 10, 22, title, 15, "start");
            Text(svg, Left, Top - 8, "ratio ours / baseline (same run; lower is better; dashed: target)", 11, "start");
            for (int i = 0; i < comparisons.Count; i++)
            {
                BenchComparison c = comparisons[i];
                int y = Top + (i * Row);
                Text(svg, Left - 8, y + 14, $"{c.Issue} {c.Name}", 11, "end");
                Text(svg, Left - 8, y + 27, $"{c.Ours} / {c.Baseline}", 9, "end");
                double ratio = double.IsFinite(c.Ratio) ? c.Ratio : 0;
                string fill = c.WithinTarget switch { true => "#27ae60", false => "#c0392b", null => "#7f8c8d" };
                Rect(svg, Left, y + 4, (int)(BarWidth * ratio / scale), Row - 10, fill);
                Text(svg, Left + (int)(BarWidth * ratio / scale) + 6, y + 18, ratio.ToString("F3", CultureInfo.InvariantCulture) + "×", 11, "start");
                if (c.Target is double target)
                {
                    int x = Left + (int)(BarWidth * target / scale);
                    svg.WriteStartElement("line");
                    Attr(svg, "x1", x);
                    Attr(svg, "x2", x);
                    Attr(svg, "y1", y);
                    Attr(svg, "y2", y + Row - 2);
                    svg.WriteAttributeString("stroke", "#000000");
                    svg.WriteAttributeString("stroke-dasharray", "4 3");
                    svg.WriteAttributeString("class", "target");
                    svg.WriteEndElement();
                }
            }
            int axis = Left + (int)(BarWidth / scale);
            svg.WriteStartElement("line");
            Attr(svg, "x1", axis);
            Attr(svg, "x2", axis);
            Attr(svg, "y1", Top - 4);
            Attr(svg, "y2", height - 30);
            svg.WriteAttributeString("stroke", "#999999");
            svg.WriteEndElement();
            Text(svg, axis, height - 16, "1.0×", 10, "middle");
            svg.WriteEndElement();
        }
        return output.ToString();
    }

    private static void Rect(XmlWriter svg, int x, int y, int width, int height, string fill)
    {
        svg.WriteStartElement("rect");
        Attr(svg, "x", x);
        Attr(svg, "y", y);
        Attr(svg, "width", Math.Max(width, 1));
        Attr(svg, "height", height);
        svg.WriteAttributeString("fill", fill);
        svg.WriteAttributeString("class", "bar");
        svg.WriteEndElement();
    }

    private static void Text(XmlWriter svg, int x, int y, string text, int size, string anchor)
    {
        svg.WriteStartElement("text");
        Attr(svg, "x", x);
        Attr(svg, "y", y);
        svg.WriteAttributeString("font-family", "sans-serif");
        Attr(svg, "font-size", size);
        svg.WriteAttributeString("text-anchor", anchor);
        svg.WriteString(text);
        svg.WriteEndElement();
    }

    private static void Attr(XmlWriter svg, string name, int value) => svg.WriteAttributeString(name, value.ToString(CultureInfo.InvariantCulture));
}
