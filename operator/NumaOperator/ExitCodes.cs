namespace NumaOperator.Cli;

/// <summary>The exit codes every subcommand uses (DESIGN.md: 0 success, 1 runtime failure, 2 bad input).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
}

/// <summary>Thrown for input the user must fix; the message names the field or file and the allowed values. Exit code 2.</summary>
public sealed class BadInputException : Exception
{
    public BadInputException(string message)
        : base(message)
    {
    }

    public BadInputException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public BadInputException()
    {
    }
}
