using NumaOperator.Api.V1Alpha1;

namespace NumaOperator.Agent.SerialConsole;

/// <summary>What a caller of the agent's console endpoint asks for: a VM's serial console or its serial log.</summary>
public enum ConsoleSubresource
{
    Console,
    Log,
}

/// <summary>
/// The endpoint's paths, shaped like the API server's subresources (kubelet's /exec is the model):
/// /apis/numaoperator.io/v1alpha1/namespaces/NS/numavirtualmachines/NAME/console and .../log.
/// </summary>
public sealed record ConsoleRoute(string Namespace, string Name, ConsoleSubresource Subresource)
{
    public static readonly string Prefix = $"/apis/{ApiGroup.Group}/{ApiGroup.Version}/namespaces/";

    /// <summary>"console" or "log": the subresource RBAC rules name (numavirtualmachines/console).</summary>
    public string SubresourceName => Subresource == ConsoleSubresource.Console ? "console" : "log";

    public string Path => $"{Prefix}{Uri.EscapeDataString(Namespace)}/{NumaVirtualMachine.Plural}/{Uri.EscapeDataString(Name)}/{SubresourceName}";

    /// <summary>The route of <paramref name="path"/>, or null when it is not one of the endpoint's paths.</summary>
    public static ConsoleRoute? Parse(string? path)
    {
        if (path is null || !path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = path[Prefix.Length..].Split('/');
        if (parts.Length != 4 || parts[1] != NumaVirtualMachine.Plural || parts[0].Length == 0 || parts[2].Length == 0)
        {
            return null;
        }

        ConsoleSubresource? subresource = parts[3] switch
        {
            "console" => ConsoleSubresource.Console,
            "log" => ConsoleSubresource.Log,
            _ => null,
        };
        return subresource is { } s ? new ConsoleRoute(Uri.UnescapeDataString(parts[0]), Uri.UnescapeDataString(parts[2]), s) : null;
    }
}
