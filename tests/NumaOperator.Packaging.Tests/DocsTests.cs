using NumaOperator.Tests.Shared;

namespace NumaOperator.Packaging.Tests;

/// <summary>docs/install.md and docs/gitops.md cover what operators hit first.</summary>
public class DocsTests
{
    private static string Install => File.ReadAllText(RepoPaths.Combine("docs", "install.md"));

    private static string Gitops => File.ReadAllText(RepoPaths.Combine("docs", "gitops.md"));

    [Theory]
    [InlineData("cannot bind memory to host NUMA nodes: Operation not permitted")]
    [InlineData("nr_hugepages")]
    [InlineData("/dev/kvm")]
    [InlineData("kubectl apply --server-side -f")]
    [InlineData("helm upgrade")]
    [InlineData("helm uninstall")]
    [InlineData("vap.enabled=false")]
    public void Install_doc_covers(string text) => Assert.Contains(text, Install, StringComparison.Ordinal);

    [Theory]
    [InlineData("kind: Application")]
    [InlineData("kind: HelmRelease")]
    [InlineData("kind: Kustomization")]
    [InlineData("resource.customizations.health.numaoperator.io_NumaVirtualMachine")]
    public void Gitops_doc_covers(string text) => Assert.Contains(text, Gitops, StringComparison.Ordinal);

    [Fact]
    public void Install_doc_host_path_table_marks_sys_read_only_and_lists_hugetlbfs()
    {
        var documented = DocumentedHostPaths.Read();

        Assert.Contains("/sys", documented.Keys);
        Assert.True(documented["/sys"], "/sys must be documented read-only");
        Assert.Contains("/dev/hugepages", documented.Keys);
    }
}
