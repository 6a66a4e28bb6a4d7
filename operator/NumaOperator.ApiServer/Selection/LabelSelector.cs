namespace NumaOperator.ApiServer.Selection;

/// <summary>
/// A parsed labelSelector query parameter: comma-separated requirements "k=v", "k==v", "k!=v", "k in (a,b)",
/// "k notin (a,b)", "k" (exists) and "!k" (does not exist), all of which must hold.
/// </summary>
public sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> requirements = [];

    private LabelSelector()
    {
    }

    public static LabelSelector Everything { get; } = new();

    public bool Matches(IReadOnlyDictionary<string, string> labels) => requirements.All(r => r(labels));

    /// <exception cref="FormatException">The selector is not valid; the message says where.</exception>
    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var part in SplitTopLevel(text))
        {
            selector.requirements.Add(ParseRequirement(part.Trim(), text));
        }

        return selector;
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseRequirement(string part, string whole)
    {
        if (part.Length == 0)
        {
            throw new FormatException($"unable to parse requirement: empty requirement in label selector \"{whole}\"");
        }

        if (part.StartsWith('!'))
        {
            var key = Key(part[1..], whole);
            return labels => !labels.ContainsKey(key);
        }

        foreach (var (op, negate) in new[] { (" notin ", true), (" in ", false) })
        {
            var at = part.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var key = Key(part[..at], whole);
                var set = part[(at + op.Length)..].Trim();
                if (!set.StartsWith('(') || !set.EndsWith(')'))
                {
                    throw new FormatException($"unable to parse requirement: found '{set}', expected: '(' in label selector \"{whole}\"");
                }

                var values = set[1..^1].Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                return negate
                    ? labels => !labels.TryGetValue(key, out var v) || !values.Contains(v)
                    : labels => labels.TryGetValue(key, out var v) && values.Contains(v);
            }
        }

        foreach (var (op, negate) in new[] { ("!=", true), ("==", false), ("=", false) })
        {
            var at = part.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var key = Key(part[..at], whole);
                var value = part[(at + op.Length)..].Trim();
                return negate
                    ? labels => !labels.TryGetValue(key, out var v) || v != value
                    : labels => labels.TryGetValue(key, out var v) && v == value;
            }
        }

        var exists = Key(part, whole);
        return labels => labels.ContainsKey(exists);
    }

    private static string Key(string text, string whole)
    {
        var key = text.Trim();
        if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or '=' or '!' or ','))
        {
            throw new FormatException($"unable to parse requirement: invalid label key \"{key}\" in label selector \"{whole}\"");
        }

        return key;
    }

    /// <summary>Splits on commas outside parentheses ("a in (x,y),b" is two requirements).</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
