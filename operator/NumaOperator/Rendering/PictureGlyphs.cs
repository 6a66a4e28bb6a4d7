namespace NumaOperator.Cli.Rendering;

/// <summary>
/// The characters a picture is drawn with: block shades on a terminal (with colour), distinct ASCII characters
/// when the output is a pipe, a file or a CI log, so the bars still read without colour.
/// </summary>
public sealed record PictureGlyphs(char Dedicated, char Shared, char Reserved, char Free, char Used, char Empty, string Arrow)
{
    public static PictureGlyphs Unicode { get; } = new('█', '▓', '▒', '░', '█', '─', "◀");

    public static PictureGlyphs Ascii { get; } = new('#', '=', 'x', '.', '#', '-', "<-");
}

/// <summary>What a span of a picture line means, which decides its colour on a terminal.</summary>
public enum Ink
{
    Plain,
    Title,
    Dim,
    Dedicated,
    Shared,
    Reserved,
    Free,
    Used,
    Mark,
}

/// <summary>A run of text of one <see cref="Ink"/>.</summary>
public readonly record struct PictureSpan(string Text, Ink Ink);
