using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;

namespace NumaOperator.Api.Tests.Validation;

public class EvictionStrategyValidationTests
{
    private static NumaVirtualMachine Vm(string? evictionStrategy) => new()
    {
        Metadata = new k8s.Models.V1ObjectMeta { Name = "db1", NamespaceProperty = "default" },
        Spec = new NumaVirtualMachineSpec
        {
            Cpu = new CpuSpec { Cores = 2 },
            Memory = new MemorySpec { Size = "1Gi" },
            EvictionStrategy = evictionStrategy,
        },
    };

    [Theory]
    [InlineData(null)]
    [InlineData("None")]
    [InlineData("LiveMigrate")]
    public void Omitted_None_and_LiveMigrate_are_accepted(string? strategy)
    {
        var result = NumaVirtualMachineValidator.Validate(Vm(strategy));
        Assert.True(result.IsValid, result.Summary);
    }

    [Theory]
    [InlineData("Migrate")]
    [InlineData("livemigrate")]
    [InlineData("")]
    public void Any_other_eviction_strategy_is_rejected_naming_the_field_and_the_allowed_values(string strategy) =>
        Assert.Equal(
            $"spec.evictionStrategy: Unsupported value: \"{strategy}\": supported values: \"None\", \"LiveMigrate\"",
            Assert.Single(NumaVirtualMachineValidator.Validate(Vm(strategy)).Errors).ToString());
}
