using System.CommandLine;

namespace NumaOperator.Cli;

/// <summary>A subcommand of numa-operator. Each lives in its own file under Commands/ and is found by reflection.</summary>
public interface ICliCommand
{
    /// <summary>Order in --help; lower first.</summary>
    int Order { get; }

    Command Build();
}

internal static class CommandCatalog
{
    public static IEnumerable<ICliCommand> All() =>
        typeof(CommandCatalog).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICliCommand).IsAssignableFrom(t))
            .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
            .OrderBy(c => c.Order);
}
