using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace NumaOperator.ApiServer.Storage;

/// <summary>
/// SQLite datastore (like k3s's embedded default): one table of objects keyed by resource/namespace/name holding the
/// JSON and resourceVersion, plus the resourceVersion counter; each change is one transaction, committed before the
/// request is answered; WAL journal. With synchronous=NORMAL (the default) a committed transaction is in the WAL
/// file, so it survives the process being killed at any point (kill -9; the crash-loop test holds this); an OS crash
/// or power loss may roll back the last transactions since the WAL was last synced, never corrupting the database.
/// synchronous=FULL (<see cref="StorageDurability.SurvivesPowerLoss"/>) syncs the WAL at every commit.
/// </summary>
public sealed class SqlitePersistence : IPersistence
{
    private readonly SqliteConnection connection;
    private readonly SqliteCommand upsert;
    private readonly SqliteCommand delete;
    private readonly SqliteCommand counter;

    /// <param name="dataDir">An existing directory (see <see cref="State.StateDirectory.Prepare"/>).</param>
    public SqlitePersistence(string dataDir, StorageDurability durability = StorageDurability.SurvivesProcessCrash)
    {
        Path = System.IO.Path.Combine(dataDir, "state.db");

        // SQLite creates -wal and -shm with the database file's mode: a 0600 database keeps them 0600 too.
        State.StateDirectory.CreateSecretFile(Path);
        connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=" + (durability == StorageDurability.SurvivesPowerLoss ? "FULL;" : "NORMAL;"));
        Execute("""
            CREATE TABLE IF NOT EXISTS objects (
              resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,
              resource_version INTEGER NOT NULL, json BLOB NOT NULL,
              PRIMARY KEY (resource, namespace, name));
            CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
            INSERT OR IGNORE INTO counters (name, value) VALUES ('resourceVersion', 0);
            """);
        upsert = Prepare("INSERT OR REPLACE INTO objects (resource, namespace, name, resource_version, json) VALUES ($r, $ns, $n, $rv, $json)", "$r", "$ns", "$n", "$rv", "$json");
        delete = Prepare("DELETE FROM objects WHERE resource = $r AND namespace = $ns AND name = $n", "$r", "$ns", "$n");
        counter = Prepare("UPDATE counters SET value = $rv WHERE name = 'resourceVersion'", "$rv");
    }

    public string Path { get; }

    /// <summary>PRAGMA synchronous as SQLite reports it: 1 NORMAL, 2 FULL.</summary>
    public long Synchronous
    {
        get
        {
            using var read = connection.CreateCommand();
            read.CommandText = "PRAGMA synchronous";
            return (long)(read.ExecuteScalar() ?? 0L);
        }
    }

    public (long ResourceVersion, IReadOnlyList<StoredObject> Objects) Load()
    {
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT value FROM counters WHERE name = 'resourceVersion'";
        var rv = (long)(read.ExecuteScalar() ?? 0L);
        read.CommandText = "SELECT resource, namespace, name, resource_version, json FROM objects";
        var objects = new List<StoredObject>();
        using var reader = read.ExecuteReader();
        while (reader.Read())
        {
            var json = (byte[])reader.GetValue(4);
            objects.Add(new StoredObject(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), json, LabelsOf(json)));
        }

        return (rv, objects);
    }

    public void Save(StoredObject obj) => InTransaction(obj, upsert, withJson: true);

    public void Delete(StoredObject obj) => InTransaction(obj, delete, withJson: false);

    public void Dispose()
    {
        upsert.Dispose();
        delete.Dispose();
        counter.Dispose();
        connection.Dispose();
    }

    private void InTransaction(StoredObject obj, SqliteCommand command, bool withJson)
    {
        using var transaction = connection.BeginTransaction();
        command.Transaction = transaction;
        counter.Transaction = transaction;
        command.Parameters[0].Value = obj.Resource;
        command.Parameters[1].Value = obj.Namespace;
        command.Parameters[2].Value = obj.Name;
        if (withJson)
        {
            command.Parameters[3].Value = obj.ResourceVersion;
            command.Parameters[4].Value = obj.Json;
        }

        command.ExecuteNonQuery();
        counter.Parameters[0].Value = obj.ResourceVersion;
        counter.ExecuteNonQuery();
        transaction.Commit();
    }

    private void Execute(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new SqliteParameter(parameter, null));
        }

        return command;
    }

    internal static IReadOnlyDictionary<string, string> LabelsOf(byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (doc.RootElement.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object &&
            metadata.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in l.EnumerateObject())
            {
                labels[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }
        }

        return labels;
    }
}
