using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Api.Tests.Validation;

public class NumaVirtualMachineMigrationValidatorTests
{
    private static NumaVirtualMachineMigration Migration(Action<NumaVirtualMachineMigrationSpec>? change = null, string name = "move-db1")
    {
        var migration = new NumaVirtualMachineMigration
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new NumaVirtualMachineMigrationSpec { VmName = "db1" },
        };
        change?.Invoke(migration.Spec);
        return migration;
    }

    [Fact]
    public void A_minimal_spec_asks_for_any_target_with_the_default_timeout()
    {
        var result = NumaVirtualMachineMigrationValidator.Validate(Migration());

        Assert.True(result.IsValid, result.Summary);
        Assert.Equal(new MigrationRequest("db1", null, null, null, 600), result.Request);
    }

    [Fact]
    public void Every_optional_field_is_parsed()
    {
        var result = NumaVirtualMachineMigrationValidator.Validate(Migration(s =>
        {
            s.TargetNode = "worker-7";
            s.TargetNumaNodes = "1,3-4";
            s.Bandwidth = "64Mi";
            s.CompletionTimeoutSeconds = 30;
        }));

        Assert.True(result.IsValid, result.Summary);
        Assert.Equal("worker-7", result.Request!.TargetNode);
        Assert.Equal(CpuSet.Of(1, 3, 4), result.Request.TargetNumaNodes);
        Assert.Equal(64L << 20, result.Request.BandwidthBytesPerSecond);
        Assert.Equal(30, result.Request.CompletionTimeoutSeconds);
    }

    [Theory]
    [InlineData("vmName", "", "spec.vmName: Required value")]
    [InlineData("vmName", "DB_1", "spec.vmName: Invalid value: \"DB_1\": must be the name of a NumaVirtualMachine: a lowercase RFC 1123 subdomain")]
    [InlineData("targetNode", "Node One", "spec.targetNode: Invalid value: \"Node One\": must be the name of a Kubernetes node")]
    [InlineData("targetNumaNodes", "3-1", "spec.targetNumaNodes: Invalid value: \"3-1\": must be host NUMA node ids in cpuset syntax such as \"1\", \"0-1\" or \"0,2\"")]
    [InlineData("targetNumaNodes", "", "spec.targetNumaNodes: Invalid value: \"\": must be host NUMA node ids in cpuset syntax")]
    [InlineData("targetNumaNodes", "1 ,2", "spec.targetNumaNodes: Invalid value: \"1 ,2\": must be host NUMA node ids in cpuset syntax")]
    [InlineData("targetNumaNodes", "300", "spec.targetNumaNodes: Invalid value: \"300\": host NUMA node ids must be between 0 and 255")]
    [InlineData("bandwidth", "0", "spec.bandwidth: Invalid value: \"0\": must be a positive quantity of bytes per second such as \"64Mi\" or \"1Gi\" (suffixes Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, P, E)")]
    [InlineData("bandwidth", "-1Mi", "spec.bandwidth: Invalid value: \"-1Mi\": must be a positive quantity")]
    [InlineData("bandwidth", "fast", "spec.bandwidth: Invalid value: \"fast\": must be a positive quantity")]
    [InlineData("completionTimeoutSeconds", "0", "spec.completionTimeoutSeconds: Invalid value: 0: must be at least 1 (seconds)")]
    public void Bad_input_names_the_field_and_what_it_accepts(string field, string value, string expected)
    {
        var result = NumaVirtualMachineMigrationValidator.Validate(Migration(s =>
        {
            switch (field)
            {
                case "vmName": s.VmName = value; break;
                case "targetNode": s.TargetNode = value; break;
                case "targetNumaNodes": s.TargetNumaNodes = value; break;
                case "bandwidth": s.Bandwidth = value; break;
                case "completionTimeoutSeconds": s.CompletionTimeoutSeconds = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            }
        }));

        Assert.False(result.IsValid);
        Assert.Null(result.Request);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(expected, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_spec_cannot_change_after_creation()
    {
        var stored = Migration();
        var changed = Migration(s => s.TargetNode = "worker-2");

        var result = NumaVirtualMachineMigrationValidator.Validate(changed, stored);

        var error = Assert.Single(result.Errors);
        Assert.Equal("spec", error.Path);
        Assert.Equal(FieldErrorType.Forbidden, error.Type);
        Assert.Contains("spec is immutable: delete this migration and create a new one", error.ToString(), StringComparison.Ordinal);
        Assert.True(NumaVirtualMachineMigrationValidator.Validate(Migration(), stored).IsValid);
    }
}
