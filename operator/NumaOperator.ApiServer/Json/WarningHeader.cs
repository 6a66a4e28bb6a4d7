using System.Globalization;
using System.Text;

namespace NumaOperator.ApiServer.Json;

/// <summary>
/// The value of a <c>Warning</c> response header as the real API server writes it (RFC 7234 code 299, agent "-",
/// the text quoted as Go's strconv.Quote does), which client-go and kubectl print as "Warning: text".
/// </summary>
public static class WarningHeader
{
    /// <summary>Longer texts are cut, as the real server truncates warnings, so a huge key cannot bloat the headers.</summary>
    public const int MaxTextLength = 256;

    public static string Format(string text)
    {
        if (text.Length > MaxTextLength)
        {
            text = text[..MaxTextLength] + "...";
        }

        var quoted = new StringBuilder("299 - \"");
        foreach (var c in text)
        {
            // Headers carry ASCII only: escape quotes, backslashes, control and non-ASCII characters.
            if (c is '"' or '\\')
            {
                quoted.Append('\\').Append(c);
            }
            else if (c < 0x20 || c > 0x7e)
            {
                quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                quoted.Append(c);
            }
        }

        return quoted.Append('"').ToString();
    }
}
