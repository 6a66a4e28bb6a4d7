namespace NumaOperator.ApiServer.Selection;

/// <summary>A parsed fieldSelector: metadata.name and metadata.namespace with =, == or != (what every resource supports).</summary>
public sealed class FieldSelector
{
    private readonly List<(string Field, string Value, bool Negate)> terms = [];

    public static FieldSelector Parse(string? text)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var part in text.Split(','))
        {
            var (op, negate) = part.Contains("!=", StringComparison.Ordinal) ? ("!=", true) : part.Contains("==", StringComparison.Ordinal) ? ("==", false) : ("=", false);
            var at = part.IndexOf(op, StringComparison.Ordinal);
            if (at <= 0)
            {
                throw new FormatException($"invalid selector: '{text}'; can't understand '{part}'");
            }

            var field = part[..at].Trim();
            if (field is not ("metadata.name" or "metadata.namespace"))
            {
                throw new FormatException($"field label not supported: {field}");
            }

            selector.terms.Add((field, part[(at + op.Length)..].Trim(), negate));
        }

        return selector;
    }

    public bool Matches(string ns, string name) => terms.All(t =>
        (t.Field == "metadata.name" ? name : ns) == t.Value != t.Negate);
}
