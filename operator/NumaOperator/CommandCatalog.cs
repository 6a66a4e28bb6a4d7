using System.CommandLine;
using NumaOperator.Cli.Commands;

namespace NumaOperator.Cli;

/// <summary>A subcommand of numa-operator. Each lives in its own file under Commands/ and is listed in <see cref="CommandCatalog"/>.</summary>
public interface ICliCommand
{
    /// <summary>Order in --help; lower first.</summary>
    int Order { get; }

    Command Build();
}

/// <summary>
/// Every subcommand, listed rather than found by reflection over the assembly (which a trimmed or Native AOT build
/// cannot do); a test holds the list to the ICliCommand classes the assembly has.
/// </summary>
public static class CommandCatalog
{
    public static IEnumerable<ICliCommand> All() =>
        new ICliCommand[]
        {
            new AgentCommand(), new ApiServerCommand(), new ConsoleCommand(), new ControllerCommand(), new CrdsCommand(),
            new DrainCommand(), new ExplainCommand(), new LaunchCommand(), new LogsCommand(), new MigrateCommand(),
            new NodesCommand(), new PlaceCommand(), new StartCommand(), new StopCommand(), new RestartCommand(), new StandaloneCommand(),
            new UncordonCommand(),
        }.OrderBy(c => c.Order);
}
