namespace NumaOperator.Packaging.Tests;

/// <summary>controller.migrations.* become the controller's evacuation limits; helm refuses a limit below 1.</summary>
public class ChartMigrationLimitTests
{
    [SkippableFact]
    public void The_migration_limits_are_passed_to_the_controller()
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var chart = RenderedChart.Render("--set", "controller.migrations.parallelPerCluster=4", "--set", "controller.migrations.parallelOutboundPerNode=2");
        var args = Yaml.Strings(RenderedChart.Containers(chart.ControllerDeployment)[0], "args");
        Assert.Contains("--parallel-migrations-per-cluster=4", args);
        Assert.Contains("--parallel-outbound-migrations-per-node=2", args);
    }

    [SkippableTheory]
    [InlineData("controller.migrations.parallelPerCluster=0", "/controller/migrations/parallelPerCluster")]
    [InlineData("controller.migrations.parallelOutboundPerNode=0", "/controller/migrations/parallelOutboundPerNode")]
    public void Helm_refuses_a_limit_below_one(string assignment, string path)
    {
        Skip.If(HelmBinary.Path is null, HelmBinary.MissingReason);
        var result = RenderedChart.Template("--set", assignment);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(path, result.StandardError, StringComparison.Ordinal);
    }
}
