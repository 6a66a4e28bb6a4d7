namespace NumaOperator.Qemu.CommandLine;

/// <summary>
/// Makes text safe as a value inside a QEMU "key=value,key=value" option: QEMU reads ",," as a literal comma, so a
/// value can never end its key and start another. Control characters are refused outright.
/// </summary>
public static class QemuOptionValue
{
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            throw new ArgumentException("a QEMU option value must not be empty", nameof(value));
        }

        if (value.Any(char.IsControl))
        {
            throw new ArgumentException($"a QEMU option value must not contain control characters: \"{value.ReplaceLineEndings(" ")}\"", nameof(value));
        }

        return value.Replace(",", ",,", StringComparison.Ordinal);
    }

    /// <summary>Splits an option the way QEMU does (",," is a literal comma); the inverse of joining escaped values.</summary>
    public static IReadOnlyList<string> Split(string option)
    {
        ArgumentNullException.ThrowIfNull(option);
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 0; i < option.Length; i++)
        {
            if (option[i] == ',')
            {
                if (i + 1 < option.Length && option[i + 1] == ',')
                {
                    current.Append(',');
                    i++;
                    continue;
                }

                parts.Add(current.ToString());
                current.Clear();
                continue;
            }

            current.Append(option[i]);
        }

        parts.Add(current.ToString());
        return parts;
    }
}
