using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Api.Tests.Validation;

public class NumaVirtualMachineValidatorTests
{
    private static NumaVirtualMachine Vm(Action<NumaVirtualMachineSpec>? change = null, string name = "db1")
    {
        var vm = new NumaVirtualMachine
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new NumaVirtualMachineSpec
            {
                Cpu = new CpuSpec { Cores = 4, Dedicated = true },
                Memory = new MemorySpec { Size = "30Gi", Hugepages = new HugepagesSpec { PageSize = "2Mi" } },
                Numa = new NumaSpec { Nodes = "1", GuestNodes = 1, Policy = "Strict" },
            },
        };
        change?.Invoke(vm.Spec);
        return vm;
    }

    [Fact]
    public void A_valid_spec_becomes_a_request()
    {
        var result = NumaVirtualMachineValidator.Validate(Vm());
        Assert.True(result.IsValid, result.Summary);
        var r = result.Request!;
        Assert.Equal("default/db1", r.Key);
        Assert.Equal(4, r.Vcpus);
        Assert.True(r.DedicatedCpus);
        Assert.Equal(30L << 30, r.MemoryBytes);
        Assert.Equal(PageSize.Huge2Mi, r.PageSize);
        Assert.Equal(CpuSet.Of(1), r.AllowedHostNodes);
        Assert.Equal(NumaPolicy.Strict, r.Policy);
    }

    [Fact]
    public void Defaults_apply_when_optional_fields_are_absent()
    {
        var result = NumaVirtualMachineValidator.Validate(Vm(s =>
        {
            s.Numa = null;
            s.Memory.Hugepages = null;
            s.Memory.Size = "512Mi";
            s.Cpu.Dedicated = null;
        }));
        Assert.True(result.IsValid, result.Summary);
        Assert.Equal(1, result.Request!.GuestNodes);
        Assert.Equal(NumaPolicy.Strict, result.Request.Policy);
        Assert.Equal(PageSize.Normal, result.Request.PageSize);
        Assert.Null(result.Request.AllowedHostNodes);
        Assert.False(result.Request.DedicatedCpus);
    }

    [Theory]
    [InlineData("cores0", "spec.cpu.cores: Invalid value: 0: must be between 1 and 1024")]
    [InlineData("cores1025", "spec.cpu.cores: Invalid value: 1025: must be between 1 and 1024")]
    [InlineData("page3Mi", "spec.memory.hugepages.pageSize: Unsupported value: \"3Mi\": supported values: \"2Mi\", \"1Gi\"")]
    [InlineData("sizeNotPages", "spec.memory.size: Invalid value: \"3Mi\": must be a multiple of the page size 2Mi")]
    [InlineData("sizeNotSplit", "spec.memory.size: Invalid value: \"3Gi\": must split into 2 guest nodes of whole 1Gi pages: a multiple of 2Gi")]
    [InlineData("sizeGarbage", "spec.memory.size: Invalid value: \"lots\": must be a whole number of bytes")]
    [InlineData("nodesAB", "spec.numa.nodes: Invalid value: \"a-b\": must be host NUMA node ids in cpuset syntax")]
    [InlineData("nodes10", "spec.numa.nodes: Invalid value: \"1-0\": must be host NUMA node ids in cpuset syntax")]
    [InlineData("nodes999", "spec.numa.nodes: Invalid value: \"999\": host NUMA node ids must be between 0 and 255")]
    [InlineData("guestTooMany", "spec.numa.guestNodes: Invalid value: 2: must not exceed the 1 host NUMA node(s) listed in spec.numa.nodes")]
    [InlineData("policy", "spec.numa.policy: Unsupported value: \"Loose\": supported values: \"Strict\", \"Preferred\"")]
    [InlineData("kernelEscape", "spec.boot.kernel: Invalid value: \"../../etc/shadow\": must be a relative file name under the agent's image root")]
    [InlineData("kernelAbsolute", "spec.boot.kernel: Invalid value: \"/etc/shadow\": must be a relative file name")]
    [InlineData("kernelOption", "spec.boot.kernel: Invalid value: \"-readconfig\": must be a relative file name")]
    [InlineData("diskFormat", "spec.boot.disk.format: Unsupported value: \"vmdk\": supported values: \"qcow2\", \"raw\"")]
    [InlineData("initrdAlone", "spec.boot.kernel: Required value: an initrd needs a kernel")]
    [InlineData("selector", "spec.nodeSelector: Invalid value: \"a b\": label keys must be a qualified name")]
    public void Rejects_bad_specs_naming_the_field_and_the_allowed_values(string @case, string expected)
    {
        var vm = Vm(s =>
        {
            switch (@case)
            {
                case "cores0": s.Cpu.Cores = 0; break;
                case "cores1025": s.Cpu.Cores = 1025; break;
                case "page3Mi": s.Memory.Hugepages!.PageSize = "3Mi"; break;
                case "sizeNotPages": s.Memory.Size = "3Mi"; break;
                case "sizeNotSplit": s.Memory.Size = "3Gi"; s.Memory.Hugepages!.PageSize = "1Gi"; s.Numa = new NumaSpec { Nodes = "0-1", GuestNodes = 2 }; break;
                case "sizeGarbage": s.Memory.Size = "lots"; break;
                case "nodesAB": s.Numa!.Nodes = "a-b"; break;
                case "nodes10": s.Numa!.Nodes = "1-0"; break;
                case "nodes999": s.Numa!.Nodes = "999"; break;
                case "guestTooMany": s.Numa!.GuestNodes = 2; break;
                case "policy": s.Numa!.Policy = "Loose"; break;
                case "kernelEscape": s.Boot = new BootSpec { Kernel = "../../etc/shadow" }; break;
                case "kernelAbsolute": s.Boot = new BootSpec { Kernel = "/etc/shadow" }; break;
                case "kernelOption": s.Boot = new BootSpec { Kernel = "-readconfig" }; break;
                case "diskFormat": s.Boot = new BootSpec { Disk = new DiskSpec { Image = "d.img", Format = "vmdk" } }; break;
                case "initrdAlone": s.Boot = new BootSpec { Initrd = "initrd.img" }; break;
                case "selector": s.NodeSelector = new Dictionary<string, string> { ["a b"] = "x" }; break;
                default: throw new ArgumentOutOfRangeException(nameof(@case));
            }
        });
        var result = NumaVirtualMachineValidator.Validate(vm);
        Assert.False(result.IsValid);
        Assert.Null(result.Request);
        Assert.Contains(result.Errors, e => e.ToString().StartsWith(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("DB1")]
    [InlineData("db1;reboot")]
    [InlineData("a,b")]
    [InlineData("-x")]
    public void Rejects_names_that_are_not_dns_subdomains(string name)
    {
        var result = NumaVirtualMachineValidator.Validate(Vm(name: name));
        Assert.Contains(result.Errors, e => e.Path == "metadata.name");
    }

    [Fact]
    public void Reports_every_error_not_just_the_first()
    {
        var result = NumaVirtualMachineValidator.Validate(Vm(s =>
        {
            s.Cpu.Cores = 0;
            s.Numa!.Policy = "x";
            s.Memory.Hugepages!.PageSize = "4Mi";
        }));
        Assert.Equal(
            ["spec.cpu.cores", "spec.memory.hugepages.pageSize", "spec.numa.policy"],
            result.Errors.Select(e => e.Path).Order().ToArray());
    }

    [Fact]
    public void Splits_vcpus_evenly_with_the_remainder_on_the_first_guest_nodes()
    {
        var result = NumaVirtualMachineValidator.Validate(Vm(s =>
        {
            s.Cpu.Cores = 5;
            s.Memory.Size = "4Gi";
            s.Numa = new NumaSpec { Nodes = "0-1", GuestNodes = 2 };
        }));
        Assert.True(result.IsValid, result.Summary);
        var r = result.Request!;
        Assert.Equal("0-2", r.VcpuIndexesOf(0).ToString());
        Assert.Equal("3-4", r.VcpuIndexesOf(1).ToString());
        Assert.Equal(2L << 30, r.MemoryPerGuestNode);
    }

    [Fact]
    public void Run_strategy_and_running_together_are_rejected_naming_both_fields()
    {
        var result = NumaVirtualMachineValidator.Validate(Vm(s => (s.RunStrategy, s.Running) = ("Always", true)));
        Assert.False(result.IsValid);
        var error = Assert.Single(result.Errors).ToString();
        Assert.StartsWith("spec.running: Forbidden: spec.running and spec.runStrategy are mutually exclusive", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_run_strategy_is_rejected_with_the_allowed_values() =>
        Assert.Equal(
            "spec.runStrategy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"RerunOnFailure\", \"Manual\", \"Halted\"",
            Assert.Single(NumaVirtualMachineValidator.Validate(Vm(s => s.RunStrategy = "Sometimes")).Errors).ToString());

    [Fact]
    public void An_unreadable_power_request_annotation_is_rejected_naming_the_annotation()
    {
        var vm = Vm(s => s.RunStrategy = "Manual");
        vm.Metadata.Annotations = new Dictionary<string, string> { ["numaoperator.io/power-request"] = "Start now" };
        var error = Assert.Single(NumaVirtualMachineValidator.Validate(vm).Errors).ToString();
        Assert.StartsWith("metadata.annotations[numaoperator.io/power-request]: Invalid value: \"Start now\": must be \"ACTION TIME\"", error, StringComparison.Ordinal);
    }
}
