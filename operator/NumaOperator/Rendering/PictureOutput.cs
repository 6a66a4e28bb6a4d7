namespace NumaOperator.Cli.Rendering;

/// <summary>
/// The -o value that draws the NUMA picture, and the default of the commands that draw it: the picture on a terminal,
/// the plain table when stdout is a pipe, a file or a CI log (scripts and logs keep getting the text they got).
/// </summary>
public static class PictureOutput
{
    public const string Picture = "picture";

    public const string Table = "table";

    /// <summary>How `-o picture` is described in each command's --help.</summary>
    public const string Help =
        "picture: each host NUMA node drawn with bars for its CPUs and each hugepage pool, then the distance matrix " +
        "(colour on a terminal, ASCII when stdout is not one)";

    public static string Default(bool stdoutRedirected) => stdoutRedirected ? Table : Picture;
}
