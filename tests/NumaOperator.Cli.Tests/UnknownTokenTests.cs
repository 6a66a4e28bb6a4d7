using NumaOperator.Tests.Shared;

namespace NumaOperator.Cli.Tests;

/// <summary>Unknown commands and options are bad input (exit 2, the token named), with or without --help: a typo in a script never passes.</summary>
public sealed class UnknownTokenTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("NOSUCHCOMMAND", "NOSUCHCOMMAND", "--help")]
    [InlineData("NOSUCHCOMMAND", "NOSUCHCOMMAND")]
    [InlineData("--nosuch", "--nosuch", "--help")]
    [InlineData("--nosuch", "nodes", "--nosuch")]
    [InlineData("--nosuch", "nodes", "--nosuch", "--help")]
    [InlineData("extra", "nodes", "extra", "-h")]
    [InlineData("--nosuch", "place", "--nosuch", "examples/fleet.yaml", "--help")]
    [InlineData("--port-typo", "api-server", "--port-typo", "1", "--help")]
    public async Task Unknown_commands_and_options_exit_2_naming_the_token_with_or_without_help(string token, params string[] args)
    {
        var run = await CliProcess.RunAsync(Timeout, args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"error: Unrecognized command or argument '{token}'.", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage:", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_alone_still_prints_help_and_exits_0()
    {
        var root = await CliProcess.RunAsync(Timeout, "--help");
        var command = await CliProcess.RunAsync(Timeout, "nodes", "--help");

        Assert.Equal(0, root.ExitCode);
        Assert.Contains("Usage:", root.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, command.ExitCode);
        Assert.Contains("Usage:", command.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dash_value_after_double_dash_is_an_argument_not_an_unknown_option()
    {
        var run = await CliProcess.RunAsync(Timeout, "place", "--", "--not-an-option.yaml");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--not-an-option.yaml: cannot be read", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unrecognized", run.Stderr, StringComparison.Ordinal);
    }
}
