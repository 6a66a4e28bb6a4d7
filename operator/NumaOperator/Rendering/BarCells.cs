namespace NumaOperator.Cli.Rendering;

/// <summary>Splits a bar of fixed width among values in proportion. Pure.</summary>
public static class BarCells
{
    /// <summary>
    /// Cells per value, adding up to <paramref name="width"/> (or all 0 when every value is 0). Largest remainder
    /// rounding, and every non-zero value gets at least one cell while the width allows, so one pinned CPU out of 128
    /// still shows.
    /// </summary>
    public static int[] Split(int width, IReadOnlyList<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        var cells = new int[values.Count];
        var total = values.Sum(v => Math.Max(0, v));
        if (total == 0 || width == 0)
        {
            return cells;
        }

        var remainders = new double[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var exact = (double)Math.Max(0, values[i]) * width / total;
            cells[i] = (int)Math.Floor(exact);
            remainders[i] = exact - cells[i];
        }

        foreach (var i in Enumerable.Range(0, values.Count).OrderByDescending(i => remainders[i]).ThenBy(i => i).Take(width - cells.Sum()))
        {
            cells[i]++;
        }

        // A visible cell for every non-zero value, taken from the largest segment.
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] > 0 && cells[i] == 0)
            {
                var largest = Array.IndexOf(cells, cells.Max());
                if (cells[largest] > 1)
                {
                    cells[largest]--;
                    cells[i] = 1;
                }
            }
        }

        return cells;
    }
}
