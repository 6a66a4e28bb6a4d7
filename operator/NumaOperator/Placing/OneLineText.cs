using System.Globalization;
using System.Text;

namespace NumaOperator.Cli.Placing;

/// <summary>
/// Text from the input (a rejected value quoted in a validation message, a name) made safe for one line of a
/// terminal: control characters are escaped as \n, \r, \t or \uXXXX, so a value with a newline cannot break a table
/// row or an error line into two, and an escape sequence cannot drive the terminal.
/// </summary>
public static class OneLineText
{
    public static string Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }
}
