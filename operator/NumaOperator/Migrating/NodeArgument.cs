using System.Text.RegularExpressions;

namespace NumaOperator.Cli.Migrating;

/// <summary>A node name given on the command line (NODE, --to-node): a DNS subdomain, as Kubernetes names nodes. Pure.</summary>
public static partial class NodeArgument
{
    public const string Form = "a node name (a DNS subdomain: lowercase letters, digits, '-' and '.', e.g. worker-1)";

    /// <param name="what">How the value was given, named in the error: "argument NODE", "--to-node".</param>
    /// <exception cref="BadInputException">Not a node name.</exception>
    public static string Parse(string? text, string what = "argument NODE")
    {
        if (text is null || text.Length > 253 || !DnsSubdomain().IsMatch(text))
        {
            throw new BadInputException($"{what}: \"{Placing.OneLineText.Of(text ?? string.Empty)}\" is not {Form}");
        }

        return text;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
