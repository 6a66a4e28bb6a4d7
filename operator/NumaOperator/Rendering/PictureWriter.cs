using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace NumaOperator.Cli.Rendering;

/// <summary>
/// Puts a picture on screen: colour and block glyphs through Spectre markup on a terminal, ASCII glyphs and no escape
/// codes otherwise (the picture degrades to plain text in pipes, files and CI logs).
/// </summary>
public static class PictureWriter
{
    /// <summary>Plain text of the picture, one line per row, trailing blanks trimmed.</summary>
    public static string Plain(HostPicture picture, PictureGlyphs glyphs)
    {
        var text = new StringBuilder();
        foreach (var line in NumaPicture.Draw(picture, glyphs))
        {
            text.Append(string.Concat(line.Select(s => s.Text)).TrimEnd()).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Spectre markup of the picture (colours by <see cref="Ink"/>), for a live display or a terminal.</summary>
    public static string Markup(HostPicture picture, PictureGlyphs glyphs) =>
        string.Join('\n', NumaPicture.Draw(picture, glyphs).Select(line => string.Concat(line.Select(Span)).TrimEnd()));

    public static IRenderable Renderable(HostPicture picture) => new Markup(Markup(picture, PictureGlyphs.Unicode));

    /// <summary>Each picture, separated by a blank line: markup on <paramref name="console"/> when <paramref name="terminal"/>, else plain on <paramref name="output"/>.</summary>
    public static void Write(IReadOnlyList<HostPicture> pictures, bool terminal, IAnsiConsole console, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(pictures);
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(output);
        for (var i = 0; i < pictures.Count; i++)
        {
            if (terminal)
            {
                console.Write(Renderable(pictures[i]));
                console.WriteLine();
            }
            else
            {
                output.Write(Plain(pictures[i], PictureGlyphs.Ascii));
            }

            if (i < pictures.Count - 1)
            {
                if (terminal)
                {
                    console.WriteLine();
                }
                else
                {
                    output.WriteLine();
                }
            }
        }
    }

    private static string Span(PictureSpan span)
    {
        var text = Spectre.Console.Markup.Escape(span.Text);
        var style = span.Ink switch
        {
            Ink.Title => "bold",
            Ink.Dim => "grey",
            Ink.Dedicated => "red",
            Ink.Shared => "yellow",
            Ink.Reserved => "blue",
            Ink.Free => "green",
            Ink.Used => "magenta",
            Ink.Mark => "cyan",
            _ => null,
        };
        return style is null || span.Text.Trim().Length == 0 ? text : $"[{style}]{text}[/]";
    }
}
