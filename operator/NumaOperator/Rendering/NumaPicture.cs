using System.Globalization;
using NumaOperator.Cli.Placing;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Cli.Rendering;

/// <summary>
/// Draws a <see cref="HostPicture"/>: a legend, then per NUMA node a header, a bar of its CPUs by role (ledger
/// pictures), a bar per hugepage pool (used or placed against free) and marks, then the distance matrix. Pure: lines
/// of spans; <see cref="PictureWriter"/> turns them into colour or plain text.
/// </summary>
public static class NumaPicture
{
    /// <summary>Cells of every bar: every line of a node fits 80 columns (a non-zero count always gets a cell).</summary>
    public const int BarWidth = 24;

    private const int LabelWidth = 6;

    public static IReadOnlyList<IReadOnlyList<PictureSpan>> Draw(HostPicture picture, PictureGlyphs glyphs)
    {
        ArgumentNullException.ThrowIfNull(picture);
        ArgumentNullException.ThrowIfNull(glyphs);
        var source = picture.Source == PictureSource.Sysfs ? "  (this host's sysfs)" : "  (the scheduler's ledger)";
        var lines = new List<IReadOnlyList<PictureSpan>>();
        lines.Add([new($"NUMA layout of {S(picture.NodeName)}", Ink.Title), new(source, Ink.Dim)]);
        lines.Add(Legend(picture.Source, glyphs));
        foreach (var node in picture.NumaNodes)
        {
            lines.Add([]);
            lines.AddRange(Node(node, picture.Source, glyphs));
        }

        lines.Add([]);
        lines.AddRange(Distances(picture.NumaNodes));
        return lines;
    }

    private static List<PictureSpan> Legend(PictureSource source, PictureGlyphs g) => source == PictureSource.Ledger
        ?
        [
            new("CPUs: ", Ink.Dim), new($"{g.Reserved}", Ink.Reserved), new(" reserved  ", Ink.Dim), new($"{g.Dedicated}", Ink.Dedicated), new(" dedicated  ", Ink.Dim),
            new($"{g.Shared}", Ink.Shared), new(" shared  ", Ink.Dim), new($"{g.Free}", Ink.Free), new(" free    hugepages: ", Ink.Dim),
            new($"{g.Used}", Ink.Used), new(" placed  ", Ink.Dim), new($"{g.Free}", Ink.Free), new(" free", Ink.Dim),
        ]
        :
        [
            new("hugepages: ", Ink.Dim), new($"{g.Used}", Ink.Used), new(" in use  ", Ink.Dim), new($"{g.Free}", Ink.Free),
            new(" free    (CPU roles are the cluster's: numa-operator explain)", Ink.Dim),
        ];

    private static List<List<PictureSpan>> Node(NumaNodePicture node, PictureSource source, PictureGlyphs g)
    {
        var memory = ByteQuantity.Human(node.MemoryBytes);
        var header = node.CpuCount == 0
            ? $"NUMA node {I(node.Id)}  memory only  {memory}"
            : $"NUMA node {I(node.Id)}  CPUs {node.Cpus}{(node.Layout is null ? string.Empty : $" ({node.Layout})")}  {memory}";
        var lines = new List<List<PictureSpan>> { new() { new(header, Ink.Title) } };
        if (node.CpuCount == 0)
        {
            lines.Add([Label("CPUs"), new("none (memory-only node)", Ink.Dim)]);
        }
        else if (node.Roles is { } r)
        {
            var line = new List<PictureSpan> { Label("CPUs") };
            line.AddRange(Bar([(r.Reserved, g.Reserved, Ink.Reserved), (r.Dedicated, g.Dedicated, Ink.Dedicated), (r.Shared, g.Shared, Ink.Shared), (r.Free, g.Free, Ink.Free)], g));
            line.Add(new($"  {I(node.CpuCount)}: {I(r.Reserved)} reserved, {I(r.Dedicated)} dedicated, {I(r.Shared)} shared, {I(r.Free)} free", Ink.Plain));
            lines.Add(line);
        }
        else
        {
            lines.Add([Label("CPUs"), new($"{I(node.CpuCount)} online", Ink.Plain)]);
        }

        foreach (var pool in node.Pools)
        {
            var line = new List<PictureSpan> { Label(pool.PageSize) };
            if (pool.Total <= 0)
            {
                line.Add(new(new string(g.Empty, BarWidth), Ink.Dim));
                line.Add(new("  none reserved", Ink.Dim));
            }
            else
            {
                var free = Math.Max(0, pool.Total - pool.Used);
                line.AddRange(Bar([(pool.Used, g.Used, Ink.Used), (free, g.Free, Ink.Free)], g));
                var used = source == PictureSource.Ledger ? "placed" : "in use";
                var kernel = pool.KernelFree is { } k ? $" (kernel: {L(k)} free)" : string.Empty;
                line.Add(new($"  {L(pool.Used)} {used}, {L(free)} free of {L(pool.Total)}{kernel}", Ink.Plain));
            }

            lines.Add(line);
        }

        lines.AddRange(node.Marks.Select(m => new List<PictureSpan> { new("  " + g.Arrow + " " + S(m), Ink.Mark) }));
        return lines;
    }

    private static IEnumerable<PictureSpan> Bar(IReadOnlyList<(long Value, char Glyph, Ink Ink)> segments, PictureGlyphs g)
    {
        var cells = BarCells.Split(BarWidth, [.. segments.Select(s => s.Value)]);
        if (cells.Sum() == 0)
        {
            return [new(new string(g.Empty, BarWidth), Ink.Dim)];
        }

        return segments.Select((s, i) => new PictureSpan(new string(s.Glyph, cells[i]), s.Ink)).Where(s => s.Text.Length > 0);
    }

    /// <summary>The SLIT matrix, one row per NUMA node (its distances to every node, in node order).</summary>
    private static List<List<PictureSpan>> Distances(IReadOnlyList<NumaNodePicture> nodes)
    {
        var width = Math.Max(4, nodes.SelectMany(n => n.Distances).Select(d => I(d).Length).DefaultIfEmpty(0).Max() + 2);
        var rows = new List<List<PictureSpan>>
        {
            new() { new("Distances (SLIT, 10 = local)", Ink.Title) },
            new() { new(new string(' ', 6) + string.Concat(nodes.Select(n => I(n.Id).PadLeft(width))), Ink.Dim) },
        };
        foreach (var node in nodes)
        {
            var row = new List<PictureSpan> { new(I(node.Id).PadLeft(4) + "  ", Ink.Dim) };
            row.AddRange(node.Distances.Select(d => new PictureSpan(I(d).PadLeft(width), d == 10 ? Ink.Free : Ink.Plain)));
            rows.Add(row);
        }

        return rows;
    }

    private static PictureSpan Label(string text) => new("  " + text.PadRight(LabelWidth), Ink.Plain);

    private static string S(string text) => OneLineText.Of(text);

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string L(long value) => value.ToString(CultureInfo.InvariantCulture);
}
