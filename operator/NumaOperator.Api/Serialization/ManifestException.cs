namespace NumaOperator.Api.Serialization;

/// <summary>An input file that cannot be read as Kubernetes objects; the message names the file, the document and the field.</summary>
public sealed class ManifestException : Exception
{
    public ManifestException(string message)
        : base(message)
    {
    }

    public ManifestException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public ManifestException()
    {
    }
}
