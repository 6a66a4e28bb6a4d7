using NumaOperator.Cli.Migrating;

namespace NumaOperator.Cli.Tests;

/// <summary>`numa-operator migrate` flags become the migration's spec; bad ones name the flag and its allowed values.</summary>
public sealed class MigrationRequestTests
{
    [Fact]
    public void Every_flag_lands_in_the_spec_and_the_name_is_generated_from_the_vm()
    {
        var migration = MigrationRequest.Build("prod/db1", "worker-2", "1,0", "64Mi", "2m");
        Assert.Equal("prod", migration.Metadata.NamespaceProperty);
        Assert.Equal("db1-migration-", migration.Metadata.GenerateName);
        Assert.Null(migration.Metadata.Name);
        var spec = migration.Spec;
        Assert.Equal(("db1", "worker-2", "0-1", "64Mi", 120), (spec.VmName, spec.TargetNode, spec.TargetNumaNodes, spec.Bandwidth, spec.CompletionTimeoutSeconds));
    }

    [Fact]
    public void Without_flags_only_the_vm_is_named_and_the_controller_chooses()
    {
        var spec = MigrationRequest.Build("default/db1", null, null, null, null).Spec;
        Assert.Equal(("db1", null, null, null, null), (spec.VmName, spec.TargetNode, spec.TargetNumaNodes, spec.Bandwidth, spec.CompletionTimeoutSeconds));
    }

    [Theory]
    [InlineData("db1", null, null, null, null, "argument NAMESPACE/NAME: \"db1\" is not of the form NAMESPACE/NAME")]
    [InlineData("default/db1", "Worker_2", null, null, null, "--to-node: \"Worker_2\" is not a node name")]
    [InlineData("default/db1", null, "one", null, null, "--to-numa-node \"one\": expected host NUMA node ids in cpuset syntax")]
    [InlineData("default/db1", null, "", null, null, "--to-numa-node \"\": expected host NUMA node ids in cpuset syntax")]
    [InlineData("default/db1", null, null, "fast", null, "--bandwidth \"fast\": expected bytes per second above 0, a whole number of bytes with an optional suffix")]
    [InlineData("default/db1", null, null, "0", null, "--bandwidth \"0\": expected bytes per second above 0")]
    [InlineData("default/db1", null, null, null, "5s", "--timeout \"5s\": expected a duration like 30s, 5m, 1h or 1m30s, from 10s to 24h")]
    [InlineData("default/db1", null, null, null, "soon", "--timeout \"soon\": expected a duration")]
    public void A_bad_argument_or_flag_is_bad_input_naming_it(string vm, string? toNode, string? toNuma, string? bandwidth, string? timeout, string expected)
    {
        var error = Assert.Throws<BadInputException>(() => MigrationRequest.Build(vm, toNode, toNuma, bandwidth, timeout));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_vm_name_keeps_the_generated_name_within_253_characters() =>
        Assert.Equal(253 - 5, MigrationRequest.GenerateNameFor(new string('v', 253)).Length);
}
