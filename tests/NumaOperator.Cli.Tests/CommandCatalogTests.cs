using NumaOperator.Cli;

namespace NumaOperator.Cli.Tests;

/// <summary>The catalog lists commands instead of finding them by reflection; it must still list every one there is.</summary>
public sealed class CommandCatalogTests
{
    [Fact]
    public void The_catalog_lists_every_command_class_of_the_executable_once()
    {
        var classes = typeof(ICliCommand).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICliCommand).IsAssignableFrom(t))
            .Select(t => t.FullName)
            .Order(StringComparer.Ordinal);
        var listed = CommandCatalog.All().Select(c => c.GetType().FullName).ToList();

        Assert.Equal(classes, listed.Order(StringComparer.Ordinal));
        Assert.Equal(listed.Count, listed.Distinct().Count());
    }

    [Fact]
    public void The_catalog_is_in_help_order()
    {
        var orders = CommandCatalog.All().Select(c => c.Order).ToList();

        Assert.Equal(orders.Order(), orders);
    }
}
