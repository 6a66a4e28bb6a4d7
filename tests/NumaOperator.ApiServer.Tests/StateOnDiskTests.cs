using Microsoft.Extensions.Logging;
using NumaOperator.ApiServer.State;
using NumaOperator.ApiServer.Storage;

namespace NumaOperator.ApiServer.Tests;

/// <summary>The data directory: 0700, its database files (with -wal and -shm), token and key 0600; looser modes tightened at start.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StateOnDiskTests
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = Private | UnixFileMode.UserExecute;

    [SkippableFact]
    public async Task A_new_data_dir_is_0700_and_its_database_files_token_and_key_are_0600()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes");
        var root = TestServer.TempDir();
        var data = Path.Combine(root, "data");
        try
        {
            await using (var server = await TestServer.StartAsync(data))
            {
                using var client = TestServer.Client(server);
                await TestServer.Vms(client).CreateNamespacedAsync(TestServer.Vm("written"), "default");

                Assert.Equal(PrivateDirectory, File.GetUnixFileMode(data));
                foreach (var name in new[] { "state.db", "state.db-wal", "state.db-shm", "token", "serving.pfx" })
                {
                    Assert.True(File.Exists(Path.Combine(data, name)), name);
                    Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(data, name)));
                }
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [SkippableFact]
    public async Task Looser_modes_found_at_start_are_tightened_before_serving_with_a_warning_naming_each_file()
    {
        Skip.If(OperatingSystem.IsWindows(), "Unix file modes");
        var root = TestServer.TempDir();
        var data = Path.Combine(root, "data");
        try
        {
            await using (await TestServer.StartAsync(data))
            {
            }

            // As every data dir made before the check is.
            const UnixFileMode worldReadable = Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            File.SetUnixFileMode(data, PrivateDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            File.SetUnixFileMode(Path.Combine(data, "state.db"), worldReadable);
            File.SetUnixFileMode(Path.Combine(data, "token"), worldReadable);
            var log = new ListLogger();

            await using (var server = await EmbeddedApiServer.StartAsync(new ApiServerOptions { DataDir = data, Log = log }))
            {
                Assert.Equal(PrivateDirectory, File.GetUnixFileMode(data));
                Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(data, "state.db")));
                Assert.Equal(Private, File.GetUnixFileMode(Path.Combine(data, "token")));
            }

            Assert.Equal(3, log.Warnings.Count);
            Assert.Contains(log.Warnings, w => w == $"data directory {data} had mode 0755, readable beyond its owner until now; set to 0700");
            Assert.Contains(log.Warnings, w => w == $"file {Path.Combine(data, "state.db")} had mode 0644, readable beyond its owner until now; set to 0600");
            Assert.Contains(log.Warnings, w => w.StartsWith($"file {Path.Combine(data, "token")} had mode 0644", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Only_group_or_other_bits_make_a_mode_too_loose()
    {
        Assert.Null(StateDirectory.Judge("/d", PrivateDirectory, PrivateDirectory, "data directory"));
        Assert.Null(StateDirectory.Judge("/f", UnixFileMode.UserRead, Private, "file"));
        Assert.Equal(Private, StateDirectory.Judge("/f", Private | UnixFileMode.OtherWrite, Private, "file")!.Value.Mode);
        Assert.Equal("file /f had mode 0640, readable beyond its owner until now; set to 0600", StateDirectory.Judge("/f", Private | UnixFileMode.GroupRead, Private, "file")!.Value.Warning);
    }

    [Fact]
    public void Sqlite_runs_in_wal_mode_with_synchronous_normal_by_default_and_full_for_power_loss()
    {
        var root = TestServer.TempDir();
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "a"));
            Directory.CreateDirectory(Path.Combine(root, "b"));
            using var normal = new SqlitePersistence(Path.Combine(root, "a"));
            using var full = new SqlitePersistence(Path.Combine(root, "b"), StorageDurability.SurvivesPowerLoss);
            Assert.Equal(1, normal.Synchronous);
            Assert.Equal(2, full.Synchronous);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Warnings.Add(formatter(state, exception));
            }
        }
    }
}
