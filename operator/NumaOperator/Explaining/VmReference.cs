using System.Text.RegularExpressions;

namespace NumaOperator.Cli.Explaining;

/// <summary>The NAMESPACE/NAME argument of <c>numa-operator explain</c>, checked before any request is sent.</summary>
public sealed partial record VmReference(string Namespace, string Name)
{
    public const string Form = "NAMESPACE/NAME, e.g. default/db1 (namespace: a DNS label; name: a DNS subdomain)";

    /// <exception cref="BadInputException">The text is not NAMESPACE/NAME; the message names the argument and the form.</exception>
    public static VmReference Parse(string? text)
    {
        var parts = (text ?? string.Empty).Split('/');
        if (parts.Length != 2 || !DnsLabel().IsMatch(parts[0]) || parts[1].Length > 253 || !DnsSubdomain().IsMatch(parts[1]))
        {
            throw new BadInputException($"argument NAMESPACE/NAME: \"{Placing.OneLineText.Of(text ?? string.Empty)}\" is not of the form {Form}");
        }

        return new VmReference(parts[0], parts[1]);
    }

    public override string ToString() => $"{Namespace}/{Name}";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
