using NumaOperator.Agent.SerialConsole;

namespace NumaOperator.Agent.Tests;

public sealed class ConsoleRouteTests
{
    [Theory]
    [InlineData("/apis/numaoperator.io/v1alpha1/namespaces/team-a/numavirtualmachines/db1/console", "team-a", "db1", ConsoleSubresource.Console)]
    [InlineData("/apis/numaoperator.io/v1alpha1/namespaces/default/numavirtualmachines/web.v2/log", "default", "web.v2", ConsoleSubresource.Log)]
    public void Console_and_log_paths_name_the_vm_and_subresource(string path, string ns, string name, ConsoleSubresource subresource)
    {
        var route = ConsoleRoute.Parse(path);
        Assert.Equal(new ConsoleRoute(ns, name, subresource), route);
        Assert.Equal(path, route!.Path);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("/")]
    [InlineData("/apis/numaoperator.io/v1alpha1/namespaces/default/numavirtualmachines/db1")]
    [InlineData("/apis/numaoperator.io/v1alpha1/namespaces/default/numavirtualmachines/db1/exec")]
    [InlineData("/apis/numaoperator.io/v1alpha1/namespaces/default/pods/db1/console")]
    [InlineData("/apis/numaoperator.io/v1alpha1/namespaces//numavirtualmachines/db1/console")]
    [InlineData("/apis/numaoperator.io/v1alpha1/namespaces/default/numavirtualmachines/db1/console/more")]
    public void Any_other_path_is_not_a_route(string? path) => Assert.Null(ConsoleRoute.Parse(path));
}
