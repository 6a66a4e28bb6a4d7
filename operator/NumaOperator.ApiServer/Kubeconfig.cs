using System.Text;

namespace NumaOperator.ApiServer;

/// <summary>The kubeconfig that points kubectl and KubernetesClient at an embedded server: one cluster, user (token), context.</summary>
public static class Kubeconfig
{
    public const string ContextName = "numa-operator";

    public static string Render(Uri server, string token, string certificateAuthorityPem, string ns = "default")
    {
        var builder = new StringBuilder();
        var caData = Convert.ToBase64String(Encoding.ASCII.GetBytes(certificateAuthorityPem));
        builder.Append("apiVersion: v1\nkind: Config\n");
        builder.Append($"clusters:\n- name: {ContextName}\n  cluster:\n    server: {server.ToString().TrimEnd('/')}\n    certificate-authority-data: {caData}\n");
        builder.Append($"users:\n- name: {ContextName}\n  user:\n    token: {token}\n");
        builder.Append($"contexts:\n- name: {ContextName}\n  context:\n    cluster: {ContextName}\n    user: {ContextName}\n    namespace: {ns}\n");
        builder.Append($"current-context: {ContextName}\n");
        return builder.ToString();
    }

    /// <summary>Writes <paramref name="content"/> readable by the owner only (0600): it holds the token.</summary>
    public static void WriteSecret(string path, string content) => WriteSecret(path, Encoding.UTF8.GetBytes(content));

    /// <summary>Writes <paramref name="content"/> readable by the owner only (0600).</summary>
    public static void WriteSecret(string path, byte[] content)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        {
            stream.Write(content);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
