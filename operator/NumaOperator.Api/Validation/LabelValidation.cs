using System.Text.RegularExpressions;

namespace NumaOperator.Api.Validation;

/// <summary>Kubernetes name and label syntax (apimachinery's validation package).</summary>
public static partial class LabelValidation
{
    public static bool IsDnsSubdomain(string value) => value.Length <= 253 && DnsSubdomain().IsMatch(value);

    public static bool IsDnsLabel(string value) => value.Length <= 63 && DnsLabel().IsMatch(value);

    public static bool IsLabelValue(string value) => value.Length == 0 || (value.Length <= 63 && NamePart().IsMatch(value));

    /// <summary>A label key: optional "prefix/" (a DNS subdomain) then a name of at most 63 characters.</summary>
    public static bool IsQualifiedName(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? value : value[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = value[..slash];
            if (prefix.Length == 0 || !IsDnsSubdomain(prefix))
            {
                return false;
            }
        }

        return name.Length is > 0 and <= 63 && NamePart().IsMatch(name);
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePart();
}
