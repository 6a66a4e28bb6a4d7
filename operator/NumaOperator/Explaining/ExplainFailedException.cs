namespace NumaOperator.Cli.Explaining;

/// <summary>A runtime failure of <c>explain</c> (server unreachable, refused, VM not found): exit 1 with the message.</summary>
public sealed class ExplainFailedException : Exception
{
    public ExplainFailedException(string message)
        : base(message)
    {
    }

    public ExplainFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ExplainFailedException()
    {
    }
}
