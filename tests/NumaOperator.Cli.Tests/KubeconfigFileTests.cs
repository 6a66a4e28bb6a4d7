using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Exceptions;
using NumaOperator.Cli.Hosting;
using NumaOperator.Tests.Shared;

namespace NumaOperator.Cli.Tests;

/// <summary>
/// The kubeconfig reader that works in a Native AOT build gives what KubernetesClient's own reader gives for the same
/// file: context, cluster, CA, token or client certificate (paths relative to the file), namespace.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KubeconfigFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("numaop-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Theory]
    [InlineData(null)]
    [InlineData("admin")]
    [InlineData("insecure")]
    [InlineData("merged")]
    [InlineData("plugin")]
    public void Every_context_reads_as_kubernetes_client_reads_it(string? context)
    {
        var path = WriteKubeconfig();
        var ours = KubeconfigFile.Load(path, context);
        var theirs = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, context);
        Assert.Equal(Summary(theirs), Summary(ours));
    }

    [Fact]
    public void The_current_context_is_the_one_the_file_names()
    {
        var config = KubeconfigFile.Load(WriteKubeconfig());
        Assert.Equal(("https://10.0.0.1:6443", "viewer", "team-a", "viewer-token"), (config.Host, config.CurrentContext, config.Namespace, config.AccessToken));
        Assert.Single(config.SslCaCerts!);
    }

    [Fact]
    public void An_exec_plugin_is_run_with_its_args_and_env_for_the_token()
    {
        var config = KubeconfigFile.Load(WriteKubeconfig(), "plugin");
        Assert.Equal("exec-token-prod", config.AccessToken);
    }

    [Fact]
    public void Client_certificate_paths_are_taken_relative_to_the_file()
    {
        var config = KubeconfigFile.Load(WriteKubeconfig(), "admin");
        Assert.Equal(Path.Combine(dir, "certs", "admin.crt"), config.ClientCertificateFilePath);
        Assert.Equal(Path.Combine(dir, "certs", "admin.key"), config.ClientKeyFilePath);
    }

    [Fact]
    public void An_unknown_context_is_refused_by_name()
    {
        var e = Assert.Throws<KubeConfigException>(() => KubeconfigFile.Load(WriteKubeconfig(), "nope"));
        Assert.Contains("nope", e.Message);
    }

    [Fact]
    public void A_user_that_inherits_through_a_yaml_merge_key_keeps_what_it_inherits()
    {
        var config = KubeconfigFile.Load(WriteKubeconfig(), "merged");
        Assert.Equal(("alice", "other"), (config.Username, config.Password));
        Assert.Single(config.SslCaCerts!);
    }

    [Theory]
    [InlineData("clusters: [unclosed\n", "not valid YAML: ")]
    [InlineData("clusters: surely\n", "not a kubeconfig: ")]
    [InlineData("# only a comment\n", "it holds no YAML document")]
    [InlineData("clusters:\n- name: c\n  cluster: {server: https://h:6443, certificate-authority-data: not-base64!}\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n", "a certificate or key it names cannot be read: ")]
    public void A_file_that_is_not_a_kubeconfig_is_refused_as_the_file_at_fault(string content, string reason)
    {
        var path = Path.Combine(dir, "broken");
        File.WriteAllText(path, content);
        var e = Assert.Throws<KubeconfigFileException>(() => KubeconfigFile.Load(path));
        Assert.StartsWith(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_config_as_kubectl_prints_it_names_the_missing_context()
    {
        var path = Path.Combine(dir, "empty-config");
        File.WriteAllText(path, "apiVersion: v1\nkind: Config\nclusters: null\ncontexts: null\nusers: null\ncurrent-context: \"\"\npreferences: {}\n");
        var e = Assert.Throws<KubeConfigException>(() => KubeconfigFile.Load(path, "prod"));
        Assert.Contains("prod", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_controller_given_a_kubeconfig_that_is_not_yaml_exits_two_naming_the_flag_and_the_file()
    {
        var path = Path.Combine(dir, "broken");
        File.WriteAllText(path, "clusters: [unclosed\n");
        var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "controller", "--kubeconfig", path);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--kubeconfig: kubeconfig \"{path}\": not valid YAML", result.Stderr, StringComparison.Ordinal);
    }

    private static string Summary(KubernetesClientConfiguration c) =>
        string.Join(" | ", c.Host, c.CurrentContext, c.Namespace, c.AccessToken, c.TokenProvider?.GetType().Name, c.SkipTlsVerify, c.TlsServerName, c.ClientCertificateFilePath,
            c.ClientKeyFilePath, c.ClientCertificateData, c.ClientCertificateKeyData, c.Username, c.Password,
            string.Join(",", c.SslCaCerts?.Select(x => x.Thumbprint) ?? []));

    private string WriteKubeconfig()
    {
        using var key = RSA.Create(2048);
        using var ca = new CertificateRequest("CN=test-ca", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var caData = Convert.ToBase64String(Encoding.ASCII.GetBytes(ca.ExportCertificatePem()));
        Directory.CreateDirectory(Path.Combine(dir, "certs"));
        File.WriteAllText(Path.Combine(dir, "certs", "ca.crt"), ca.ExportCertificatePem());
        // An exec credential plugin (as aws eks get-token): its token names the env it was given.
        var plugin = Path.Combine(dir, "plugin.sh");
        File.WriteAllText(plugin, "#!/bin/sh\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"exec-%s-%s\"}}' \"$PLUGIN_SUFFIX\" \"$2\"\n");
        File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(dir, "config");
        File.WriteAllText(path, $$$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: prod
              cluster:
                server: https://10.0.0.1:6443
                certificate-authority-data: {{{caData}}}
                tls-server-name: api.prod.example
            - name: lab
              cluster:
                server: https://lab.example:6443
                insecure-skip-tls-verify: true
            - name: staging
              cluster:
                server: https://staging.example:6443
                certificate-authority: certs/ca.crt
            users:
            - name: viewer
              user:
                token: viewer-token
            - name: admin
              user:
                client-certificate: certs/admin.crt
                client-key: certs/admin.key
            - name: basic
              user: &basic
                username: alice
                password: secret
            - name: basic-too
              user:
                <<: *basic
                password: other
            - name: plugin
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: {{{plugin}}}
                  args: [--cluster, prod]
                  env: [{name: PLUGIN_SUFFIX, value: token}]
                  provideClusterInfo: false
                as: someone
                as-groups: [ops, dev]
            contexts:
            - name: viewer
              context: {cluster: prod, user: viewer, namespace: team-a}
            - name: admin
              context: {cluster: prod, user: admin}
            - name: insecure
              context: {cluster: lab, user: basic, namespace: lab}
            - name: merged
              context: {cluster: staging, user: basic-too}
            - name: plugin
              context: {cluster: prod, user: plugin}
            current-context: viewer
            preferences: {}
            """);
        return path;
    }
}
