using System.Globalization;

namespace NumaOperator.Numa.Quantities;

/// <summary>
/// Byte sizes in Kubernetes quantity syntax restricted to whole bytes: "30Gi", "512Mi", "2G", "1048576".
/// Binary suffixes Ki Mi Gi Ti Pi Ei, decimal k M G T P E; no fractions, no exponents, no milli.
/// </summary>
public static class ByteQuantity
{
    private static readonly (string Suffix, long Factor)[] Suffixes =
    [
        ("Ki", 1L << 10), ("Mi", 1L << 20), ("Gi", 1L << 30), ("Ti", 1L << 40), ("Pi", 1L << 50), ("Ei", 1L << 60),
        ("k", 1_000L), ("M", 1_000_000L), ("G", 1_000_000_000L), ("T", 1_000_000_000_000L), ("P", 1_000_000_000_000_000L), ("E", 1_000_000_000_000_000_000L),
    ];

    public const string AllowedForm = "a whole number of bytes with an optional suffix Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, P or E (e.g. 512Mi, 30Gi)";

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        long factor = 1;
        foreach (var (suffix, f) in Suffixes)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = f;
                s = s[..^suffix.Length];
                break;
            }
        }

        if (s.Length == 0 || s.Length > 19 || !s.All(char.IsAsciiDigit))
        {
            return false;
        }

        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        try
        {
            bytes = checked(n * factor);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    public static long Parse(string text) =>
        TryParse(text, out var b) ? b : throw new FormatException($"\"{text}\" is not a byte quantity: expected {AllowedForm}");

    /// <summary>Shortest exact binary form: 32212254720 → "30Gi"; a size that is no whole number of KiB stays in bytes.</summary>
    public static string Format(long bytes)
    {
        if (bytes == 0)
        {
            return "0";
        }

        string[] names = ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"];
        int[] shifts = [60, 50, 40, 30, 20, 10];
        for (var i = 0; i < names.Length; i++)
        {
            var unit = 1L << shifts[i];
            if (bytes % unit == 0)
            {
                return (bytes / unit).ToString(CultureInfo.InvariantCulture) + names[i];
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Human form with one decimal, for messages: "30.0 GiB".</summary>
    public static string Human(long bytes)
    {
        string[] names = ["GiB", "MiB", "KiB"];
        int[] shifts = [30, 20, 10];
        for (var i = 0; i < names.Length; i++)
        {
            var unit = 1L << shifts[i];
            if (Math.Abs(bytes) >= unit)
            {
                return ((double)bytes / unit).ToString("0.0", CultureInfo.InvariantCulture) + " " + names[i];
            }
        }

        return bytes.ToString(CultureInfo.InvariantCulture) + " B";
    }
}
