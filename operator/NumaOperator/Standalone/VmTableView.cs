using System.Text;
using NumaOperator.Cli.Rendering;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace NumaOperator.Cli.Standalone;

/// <summary>
/// Shows the VM table as it changes: a Spectre.Console live display on a terminal; one line per changed VM otherwise
/// (logs, CI, pipes), so a reader of the output sees every transition once. The live display draws this host's NUMA
/// picture under the table; line mode prints it (ASCII) once, with the final table.
/// </summary>
public sealed class VmTableView(IAnsiConsole console, TextWriter output, bool live) : IDisposable
{
    private readonly object gate = new();
    private readonly SemaphoreSlim changed = new(0);
    private Dictionary<string, VmRow> shown = new(StringComparer.Ordinal);
    private IReadOnlyList<VmRow> latest = [];
    private string caption = string.Empty;
    private HostPicture? picture;
    private string pictureMarkup = string.Empty;
    private bool headerPrinted;

    public bool IsLive => live;

    /// <summary>Column widths of the line mode (the last column takes the rest).</summary>
    private static readonly int[] Widths = [32, 10, 16, 6, 7, 7];

    /// <summary>Builds a Spectre table of <paramref name="rows"/> (the live display and the final print).</summary>
    public static Table Render(IReadOnlyList<VmRow> rows, string? caption = null)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in VmRow.Headers)
        {
            table.AddColumn(new TableColumn(header).NoWrap());
        }

        foreach (var row in rows)
        {
            table.AddRow([.. row.Cells.Select(c => new Text(c))]);
        }

        if (rows.Count == 0)
        {
            table.AddRow([.. VmRow.Headers.Select((_, i) => new Text(i == 0 ? "(no VMs)" : string.Empty))]);
        }

        if (!string.IsNullOrEmpty(caption))
        {
            table.Caption(new TableTitle(Markup.Escape(caption)));
        }

        return table;
    }

    /// <summary>The whole table once: Spectre's on a terminal, fixed-width lines otherwise (logs, pipes).</summary>
    public void WriteFinal(IReadOnlyList<VmRow> rows)
    {
        if (live)
        {
            console.Write(Render(rows));
            return;
        }

        output.WriteLine(Line(VmRow.Headers));
        foreach (var row in rows)
        {
            output.WriteLine(Line(row.Cells));
        }

        lock (gate)
        {
            if (picture is not null)
            {
                output.Write(PictureWriter.Plain(picture, PictureGlyphs.Ascii));
            }
        }
    }

    /// <summary>This host's NUMA picture (redrawn under the live table when it changed).</summary>
    public void SetPicture(HostPicture? host)
    {
        var markup = host is null ? string.Empty : PictureWriter.Markup(host, PictureGlyphs.Unicode);
        lock (gate)
        {
            if (markup == pictureMarkup)
            {
                return;
            }

            picture = host;
            pictureMarkup = markup;
        }

        changed.Release();
    }

    /// <summary>One fixed-width line (line mode).</summary>
    public static string Line(IReadOnlyList<string> cells)
    {
        var line = new StringBuilder();
        for (var i = 0; i < cells.Count; i++)
        {
            line.Append(i < Widths.Length ? cells[i].PadRight(Math.Max(Widths[i], cells[i].Length + 1)) : cells[i]);
        }

        return line.ToString().TrimEnd();
    }

    /// <summary>New rows from the watch; in line mode prints the changed ones at once.</summary>
    public void Update(IReadOnlyList<VmRow> rows)
    {
        lock (gate)
        {
            latest = rows;
            if (!live)
            {
                PrintChanges(rows);
            }
        }

        changed.Release();
    }

    /// <summary>A status line under the table (live mode) or printed once when it changes (line mode).</summary>
    public void SetCaption(string text)
    {
        lock (gate)
        {
            if (text == caption)
            {
                return;
            }

            caption = text;
            if (!live)
            {
                output.WriteLine(text);
            }
        }

        changed.Release();
    }

    /// <summary>Live mode: redraws on every change until <paramref name="ct"/> is cancelled. Line mode: returns at once.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (!live)
        {
            return;
        }

        var table = Render([]);
        await console.Live(table).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).StartAsync(async ctx =>
        {
            while (!ct.IsCancellationRequested)
            {
                IReadOnlyList<VmRow> rows;
                string text;
                string host;
                lock (gate)
                {
                    rows = latest;
                    text = caption;
                    host = pictureMarkup;
                }

                IRenderable target = host.Length == 0 ? Render(rows, text) : new Rows(Render(rows, text), new Markup(host));
                ctx.UpdateTarget(target);
                ctx.Refresh();
                try
                {
                    await changed.WaitAsync(ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
    }

    public void Dispose() => changed.Dispose();

    private void PrintChanges(IReadOnlyList<VmRow> rows)
    {
        var now = rows.ToDictionary(r => r.Key, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (shown.TryGetValue(row.Key, out var before) && before == row)
            {
                continue;
            }

            if (!headerPrinted)
            {
                output.WriteLine(Line(VmRow.Headers));
                headerPrinted = true;
            }

            output.WriteLine(Line(row.Cells));
        }

        foreach (var gone in shown.Keys.Where(k => !now.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            output.WriteLine(Line([gone, "(deleted)"]));
        }

        shown = now;
    }
}
