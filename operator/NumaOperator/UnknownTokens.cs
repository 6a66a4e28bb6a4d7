using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace NumaOperator.Cli;

/// <summary>
/// Tokens the command line does not know, found even when --help is given (System.CommandLine then prints help and
/// reports no error, so `numa-operator NOSUCHCOMMAND --help` exited 0): unmatched tokens (a misspelled command, an
/// argument to a command that takes none) and option-like tokens that only a positional argument took
/// (`place --nosuch f.yaml`). A token after `--` is a literal argument and never unknown.
/// </summary>
public static class UnknownTokens
{
    public static IReadOnlyList<string> Of(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var doubleDash = parse.Tokens.ToList().FindIndex(t => t.Type == TokenType.DoubleDash);
        var literal = doubleDash < 0 ? [] : parse.Tokens.Skip(doubleDash + 1).Select(t => t.Value).ToHashSet(StringComparer.Ordinal);
        var unknown = new List<string>(parse.UnmatchedTokens.Where(t => !literal.Contains(t)));
        foreach (var argument in Positional(parse.RootCommandResult))
        {
            unknown.AddRange(argument.Tokens.Select(t => t.Value).Where(v => LooksLikeOption(v) && !literal.Contains(v)));
        }

        return unknown.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The message System.CommandLine itself prints for an unmatched token.</summary>
    public static string Message(string token) => $"Unrecognized command or argument '{token}'.";

    private static IEnumerable<ArgumentResult> Positional(CommandResult command)
    {
        foreach (var child in command.Children)
        {
            switch (child)
            {
                case ArgumentResult argument:
                    yield return argument;
                    break;
                case CommandResult subcommand:
                    foreach (var nested in Positional(subcommand))
                    {
                        yield return nested;
                    }

                    break;
            }
        }
    }

    /// <summary>"-x" or "--xyz", not "-" (stdin) and not a negative number.</summary>
    private static bool LooksLikeOption(string value) =>
        value.Length > 1 && value[0] == '-' && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
