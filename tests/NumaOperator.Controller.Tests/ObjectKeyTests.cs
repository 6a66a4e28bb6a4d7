using k8s.Models;
using NumaOperator.Api.Status;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Controller.Tests;

public sealed class ObjectKeyTests
{
    [Fact]
    public void A_vm_without_a_namespace_has_the_same_key_in_the_informer_cache_as_in_the_ledger()
    {
        var vm = new NumaVirtualMachine { Metadata = new V1ObjectMeta { Name = "db1" } };

        Assert.Equal("default/db1", vm.Key);
        Assert.Equal(vm.Key, ObjectKey.Of(vm));
    }

    [Fact]
    public void Cluster_scoped_objects_are_keyed_by_name_alone()
    {
        Assert.Equal("worker-1", ObjectKey.Of(new NumaNodeTopology { Metadata = new V1ObjectMeta { Name = "worker-1" } }));
        Assert.Equal("worker-1", ObjectKey.Of(new V1Node { Metadata = new V1ObjectMeta { Name = "worker-1" } }));
    }

    [Fact]
    public void A_key_splits_back_into_namespace_and_name()
    {
        Assert.Equal(("lab", "db1"), ObjectKeys.Split(ObjectKeys.Namespaced("lab", "db1")));
        Assert.Equal(((string?)null, "worker-1"), ObjectKeys.Split("worker-1"));
    }
}
