using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;

namespace NumaOperator.Api.Tests.Validation;

/// <summary>spec.disks and spec.cloudInit: every bad value is named with its field and what is allowed.</summary>
public sealed class StorageValidationTests
{
    private static VmValidationResult Validate(Action<NumaVirtualMachineSpec> change)
    {
        var vm = new NumaVirtualMachine
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "vm1", NamespaceProperty = "default" },
            Spec = new NumaVirtualMachineSpec
            {
                Cpu = new CpuSpec { Cores = 1 },
                Memory = new MemorySpec { Size = "64Mi" },
            },
        };
        change(vm.Spec);
        return NumaVirtualMachineValidator.Validate(vm);
    }

    [Fact]
    public void Data_disks_and_cloud_init_inline_or_from_secrets_are_valid()
    {
        var result = Validate(s =>
        {
            s.Disks = [new DataDiskSpec { Name = "data", Size = "10Gi" }, new DataDiskSpec { Name = "logs-2", Size = "1Mi" }];
            s.CloudInit = new CloudInitSpec { UserData = "#cloud-config\n", NetworkDataSecretRef = new SecretKeyRef { Name = "net.conf", Key = "network_v2" } };
        });

        Assert.True(result.IsValid, result.Summary);
    }

    [Theory]
    [InlineData("Data", "10Gi", "spec.disks[0].name: Invalid value: \"Data\": must be lowercase letters, digits and '-'")]
    [InlineData("-data", "10Gi", "spec.disks[0].name: Invalid value: \"-data\"")]
    [InlineData("", "10Gi", "spec.disks[0].name: Required value")]
    [InlineData("data", "", "spec.disks[0].size: Required value")]
    [InlineData("data", "10GB", "spec.disks[0].size: Invalid value: \"10GB\": must be a whole number of bytes")]
    [InlineData("data", "1000", "spec.disks[0].size: Invalid value: \"1000\": must be a multiple of 512 bytes between 1Mi and 64Ti")]
    [InlineData("data", "512Ki", "must be a multiple of 512 bytes between 1Mi and 64Ti")]
    [InlineData("data", "65Ti", "must be a multiple of 512 bytes between 1Mi and 64Ti")]
    public void A_bad_data_disk_is_named_with_what_is_allowed(string name, string size, string expected)
    {
        var result = Validate(s => s.Disks = [new DataDiskSpec { Name = name, Size = size }]);

        Assert.False(result.IsValid);
        Assert.Contains(expected, result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_disk_names_and_too_many_disks_are_refused()
    {
        var duplicate = Validate(s => s.Disks = [new DataDiskSpec { Name = "data", Size = "1Gi" }, new DataDiskSpec { Name = "data", Size = "2Gi" }]);
        Assert.Contains("spec.disks: Invalid value: \"data\": disk names must be unique: spec.disks[1] repeats \"data\"", duplicate.Summary, StringComparison.Ordinal);

        var many = Validate(s => s.Disks = [.. Enumerable.Range(0, 9).Select(i => new DataDiskSpec { Name = "d" + i, Size = "1Gi" })]);
        Assert.Contains("spec.disks: Too many: 9: must have at most 8 items", many.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void User_data_inline_and_from_a_secret_at_once_is_refused()
    {
        var result = Validate(s => s.CloudInit = new CloudInitSpec { UserData = "#cloud-config\n", UserDataSecretRef = new SecretKeyRef { Name = "s" } });

        Assert.Contains("spec.cloudInit.userData: Invalid value: \"(inline)\": set either userData or userDataSecretRef, not both", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Network_data_inline_and_from_a_secret_at_once_is_refused()
    {
        var result = Validate(s => s.CloudInit = new CloudInitSpec { NetworkData = "version: 2\n", NetworkDataSecretRef = new SecretKeyRef { Name = "s" } });

        Assert.Contains("set either networkData or networkDataSecretRef, not both", result.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", null, "spec.cloudInit.userDataSecretRef.name: Required value")]
    [InlineData("My_Secret", null, "spec.cloudInit.userDataSecretRef.name: Invalid value: \"My_Secret\": must be a DNS subdomain")]
    [InlineData("s", "bad key", "spec.cloudInit.userDataSecretRef.key: Invalid value: \"bad key\": must be a Secret data key")]
    [InlineData("s", "", "spec.cloudInit.userDataSecretRef.key: Invalid value: \"\"")]
    public void A_bad_secret_reference_is_named(string name, string? key, string expected)
    {
        var result = Validate(s => s.CloudInit = new CloudInitSpec { UserDataSecretRef = new SecretKeyRef { Name = name, Key = key } });

        Assert.Contains(expected, result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Inline_user_data_over_64_KiB_is_refused()
    {
        var result = Validate(s => s.CloudInit = new CloudInitSpec { UserData = new string('x', 65537) });

        Assert.Contains("spec.cloudInit.userData: Too long", result.Summary, StringComparison.Ordinal);
    }
}
