namespace NumaOperator.Qemu.Migration;

/// <summary>
/// How the source sends: <paramref name="MaxBandwidthBytesPerSecond"/> (null: QEMU's default), whether the disks go in
/// the stream (<paramref name="BlockMigrate"/>: capability block plus block-incremental, so only the overlay's
/// allocated clusters are sent, never the base image), and the switch-over pause QEMU aims for.
/// </summary>
public sealed record MigrationSettings(long? MaxBandwidthBytesPerSecond, bool BlockMigrate, long DowntimeLimitMilliseconds = 300);
