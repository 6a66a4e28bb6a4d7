using System.Text;

namespace NumaOperator.Qemu.Disks;

/// <summary>What cloud-init's NoCloud datasource reads from the seed: user-data, meta-data and (optional) network-config.</summary>
/// <param name="UserData">The user-data file as is (#cloud-config YAML or a #! script); empty when the spec gives none.</param>
/// <param name="NetworkConfig">The network-config file, or null to leave it out (cloud-init then uses DHCP on the first NIC).</param>
public sealed record SeedFiles(string UserData, string? NetworkConfig);

/// <summary>
/// The NoCloud seed of a VM: an ISO 9660 + Joliet image labelled <c>cidata</c> (cloud-init's documented seed, as
/// cloud-localds builds it). meta-data carries instance-id = the VM's uid, so cloud-init runs its first-boot modules
/// once per VM (a new uid, i.e. a new VM, runs them again) and local-hostname = the VM's name. Pure.
/// </summary>
public static class NoCloudSeed
{
    public const string VolumeLabel = "cidata";

    public static string MetaData(Guid instanceId, string hostname) =>
        $"instance-id: {instanceId:D}\nlocal-hostname: {hostname}\n";

    public static byte[] Build(SeedFiles files, Guid instanceId, string hostname)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        var entries = new List<(string, byte[])>
        {
            ("meta-data", Encoding.UTF8.GetBytes(MetaData(instanceId, hostname))),
            ("user-data", Encoding.UTF8.GetBytes(files.UserData)),
        };
        if (files.NetworkConfig is { } network)
        {
            entries.Add(("network-config", Encoding.UTF8.GetBytes(network)));
        }

        return Iso9660Image.Build(VolumeLabel, entries);
    }
}
