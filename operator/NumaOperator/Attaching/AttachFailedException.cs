namespace NumaOperator.Cli.Attaching;

/// <summary>A console or log request the cluster refused or could not serve (exit code 1); the message says why.</summary>
public sealed class AttachFailedException : Exception
{
    public AttachFailedException(string message)
        : base(message)
    {
    }

    public AttachFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public AttachFailedException()
    {
    }
}
