using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Cli.Standalone;

/// <summary>What this data dir raised and mounted, kept in DATA/hugepages.json so a later run (after kill -9) can give it back.</summary>
public sealed record HugepageRecord
{
    public List<RaisedPool> Raised { get; init; } = [];

    public List<string> Mounts { get; init; } = [];

    public bool IsEmpty => Raised.Count == 0 && Mounts.Count == 0;
}

/// <summary>Pages added to one pool by us (Node null: the whole host's pool).</summary>
public sealed record RaisedPool(int? Node, long PageBytes, long Pages);

/// <summary>The record's JSON, generated at build time: reflection cannot build this record's converter in a Native AOT build.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HugepageRecord))]
internal sealed partial class HugepageRecordJson : JsonSerializerContext;

/// <summary>
/// --reserve-hugepages as root: raises each host NUMA node's pool to the request, mounts hugetlbfs when no mount serves
/// the page size, says what it did, and gives exactly that back on <see cref="ReleaseAsync"/>.
/// </summary>
public sealed class HugepageReservation(HugepagePools pools, string dataDir, TextWriter output)
{
    public const string RecordFileName = "hugepages.json";

    public string RecordPath => Path.Combine(dataDir, RecordFileName);

    /// <summary>Where a hugetlbfs for <paramref name="pageSize"/> is mounted when none exists.</summary>
    public string MountPointFor(PageSize pageSize) => Path.Combine(dataDir, "hugetlbfs-" + pageSize);

    /// <summary>
    /// The commands a non-root user must run (as root) to get what the requests ask for; empty when nothing is missing.
    /// </summary>
    public IReadOnlyList<string> CommandsForRoot(IReadOnlyList<HugepageRequest> requests, IReadOnlyDictionary<int, long> ownPagesInUse)
    {
        var commands = new List<string>();
        foreach (var request in requests)
        {
            foreach (var raise in HugepagePlan.Raises(pools.Read(request.PageSize.Bytes), request, ownPagesInUse))
            {
                commands.Add(string.Create(CultureInfo.InvariantCulture, $"echo {raise.To} | sudo tee {pools.TotalFile(raise.Node, raise.PageBytes)}"));
            }

            if (HugetlbfsMounter.Find(request.PageSize) is null)
            {
                var mountPoint = request.PageSize == PageSize.Huge2Mi ? "/dev/hugepages" : "/dev/hugepages" + HugetlbfsMounter.PageSizeOption(request.PageSize);
                commands.Add($"sudo mkdir -p {mountPoint}");
                commands.Add("sudo " + HugetlbfsMounter.CommandLine(mountPoint, request.PageSize));
            }
        }

        return commands;
    }

    /// <summary>Raises pools and mounts hugetlbfs as needed; records each change before making the next.</summary>
    public async Task ReserveAsync(IReadOnlyList<HugepageRequest> requests, Func<PageSize, IReadOnlyDictionary<int, long>> ownPagesInUse, CancellationToken ct)
    {
        var record = Load();
        foreach (var request in requests)
        {
            if (!pools.Supports(request.PageSize.Bytes))
            {
                throw new BadInputException($"{HugepageRequest.Option} {request}: this kernel has no {request.PageSize} hugepage pool (for 1Gi pages the CPU needs pdpe1gb); allowed here: {string.Join(", ", PageSize.AllowedNames.Where(n => PageSize.TryParseHuge(n, out var p) && pools.Supports(p.Bytes)))}");
            }

            var current = pools.Read(request.PageSize.Bytes);
            var raises = HugepagePlan.Raises(current, request, ownPagesInUse(request.PageSize));
            foreach (var pool in current.Where(p => raises.All(r => r.Node != p.Node)))
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"hugepages: {pool.Describe()}: {pool.Free} of {pool.Total} {request.PageSize} pages free, enough for {request.Pages}; unchanged"));
            }

            foreach (var raise in raises)
            {
                var granted = pools.SetTotal(raise.Node, raise.PageBytes, raise.To);
                if (granted > raise.From)
                {
                    record.Raised.Add(new RaisedPool(raise.Node, raise.PageBytes, granted - raise.From));
                    try
                    {
                        Save(record);
                    }
                    catch
                    {
                        // Pages the record does not name would never be given back (a full or read-only data dir).
                        GiveBackUnrecorded(raise.Node, raise.PageBytes, granted - raise.From);
                        throw;
                    }
                }

                var where = raise.Node is { } n ? $"host node {n}" : "the host";
                var shortfall = granted < raise.To ? string.Create(CultureInfo.InvariantCulture, $" (asked for {raise.To}; the kernel found only {granted - raise.From} contiguous pages)") : string.Empty;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"hugepages: {where}: {request.PageSize} pages {raise.From} -> {granted}{shortfall}; given back on exit when no VM runs"));
            }

            if (HugetlbfsMounter.Find(request.PageSize) is { } existing)
            {
                await output.WriteLineAsync($"hugepages: hugetlbfs for {request.PageSize} pages already mounted at {existing.MountPoint}");
            }
            else
            {
                var mountPoint = MountPointFor(request.PageSize);
                await HugetlbfsMounter.MountAsync(mountPoint, request.PageSize, ct);
                record.Mounts.Add(mountPoint);
                Save(record);
                await output.WriteLineAsync($"hugepages: mounted hugetlbfs (pagesize={HugetlbfsMounter.PageSizeOption(request.PageSize)}) at {mountPoint}");
            }
        }
    }

    /// <summary>Lowers every pool by what this data dir raised and unmounts what it mounted; call only when none of our VMs runs.</summary>
    public async Task ReleaseAsync(CancellationToken ct)
    {
        var record = Load();
        if (record.IsEmpty)
        {
            return;
        }

        foreach (var raised in record.Raised.GroupBy(r => (r.Node, r.PageBytes)))
        {
            var (pool, now) = Lower(raised.Key.Node, raised.Key.PageBytes, raised.Sum(r => r.Pages));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"hugepages: {pool.Describe()}: {PageSize.HugeOfBytes(raised.Key.PageBytes)} pages {pool.Total} -> {now} (given back)"));
        }

        var busy = new List<string>();
        foreach (var mountPoint in record.Mounts)
        {
            try
            {
                await HugetlbfsMounter.UnmountAsync(mountPoint, ct);
                Directory.Delete(mountPoint);
                await output.WriteLineAsync($"hugepages: unmounted {mountPoint}");
            }
            catch (IOException e)
            {
                // Another program's QEMU may have its files there; keep the mount and say how to remove it later.
                busy.Add(mountPoint);
                await output.WriteLineAsync($"hugepages: could not unmount {mountPoint} ({e.Message}); run `umount {mountPoint}` once it is unused");
            }
        }

        if (busy.Count == 0)
        {
            File.Delete(RecordPath);
        }
        else
        {
            Save(new HugepageRecord { Mounts = busy });
        }
    }

    /// <summary>Says what stays reserved because VMs still run (the next run that ends with none running gives it back).</summary>
    public async Task ReportKeptAsync()
    {
        var record = Load();
        foreach (var raised in record.Raised.GroupBy(r => (r.Node, r.PageBytes)))
        {
            var where = raised.Key.Node is { } n ? $"host node {n}" : "the host";
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"hugepages: kept {raised.Sum(r => r.Pages)} {PageSize.HugeOfBytes(raised.Key.PageBytes)} pages on {where} for the VMs still running; a later run that exits with no VM running gives them back"));
        }
    }

    public HugepageRecord Load()
    {
        if (!File.Exists(RecordPath))
        {
            return new HugepageRecord();
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(RecordPath), HugepageRecordJson.Default.HugepageRecord) ?? new HugepageRecord();
        }
        catch (JsonException e)
        {
            throw new IOException($"{RecordPath}: unreadable record of reserved hugepages ({e.Message}); fix or delete it", e);
        }
    }

    /// <summary>Lowers the pool by <paramref name="pages"/>; a failure here leaves the error that led to it in charge.</summary>
    private void GiveBackUnrecorded(int? node, long pageBytes, long pages)
    {
        try
        {
            Lower(node, pageBytes, pages);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"hugepages: could not give back {pages} pages ({e.Message}); lower {pools.TotalFile(node, pageBytes)} by hand"));
        }
    }

    /// <summary>Takes <paramref name="pages"/> out of the pool as it stands now; the reading before, and the total after.</summary>
    private (HugepagePoolReading Before, long Now) Lower(int? node, long pageBytes, long pages)
    {
        var pool = pools.ReadPool(node, pageBytes);
        return (pool, pools.SetTotal(node, pageBytes, Math.Max(0, pool.Total - pages)));
    }

    private void Save(HugepageRecord record)
    {
        Directory.CreateDirectory(dataDir);
        var temp = RecordPath + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(record, HugepageRecordJson.Default.HugepageRecord));
        File.Move(temp, RecordPath, overwrite: true);
    }
}
