using System.ComponentModel;
using System.Text.Json.Serialization;
using NumaOperator.Api.Crds;

namespace NumaOperator.Api.V1Alpha1;

/// <summary>spec.disks and spec.cloudInit: the VM's own writable disks and its first-boot configuration.</summary>
[XValidation(
    "!has(self.disks) || self.disks.all(d, self.disks.exists_one(e, e.name == d.name))",
    "disk names must be unique",
    FieldPath = ".disks")]
public sealed partial class NumaVirtualMachineSpec
{
    [JsonPropertyName("disks")]
    [MaxItems(8)]
    [Description("Extra empty data disks, created by the node agent as qcow2 files in the VM's disk directory the first time the VM starts, kept across stop/start and agent restarts, removed with the VM. Attached after the root disk as virtio block devices (vdb, vdc, ... in this order), before the cloud-init seed. At most 8.")]
    public IList<DataDiskSpec>? Disks { get; set; }

    [JsonPropertyName("cloudInit")]
    [Description("First-boot configuration delivered as a cloud-init NoCloud seed (a read-only ISO 9660 disk labelled cidata with user-data, meta-data and network-config) that the node agent builds locally. meta-data holds instance-id = metadata.uid and local-hostname = metadata.name; cloud-init runs its first-boot modules once per instance-id.")]
    public CloudInitSpec? CloudInit { get; set; }
}

public sealed class DataDiskSpec
{
    [JsonPropertyName("name")]
    [RequiredField]
    [MaxLength(32)]
    [Pattern("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")]
    [Description("Name of the disk, unique in the VM: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 32. It names the file (data-NAME.qcow2).")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("size")]
    [RequiredField]
    [MaxLength(24)]
    [Pattern("^[0-9]{1,19}(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$")]
    [Description("Virtual size as a quantity (e.g. 10Gi): a multiple of 512 bytes, at least 1Mi, at most 64Ti. The file grows as the guest writes. Changing it later does not resize an existing disk.")]
    public string Size { get; set; } = string.Empty;
}

[XValidation("!(has(self.userData) && has(self.userDataSecretRef))", "set either userData or userDataSecretRef, not both", FieldPath = ".userData")]
[XValidation("!(has(self.networkData) && has(self.networkDataSecretRef))", "set either networkData or networkDataSecretRef, not both", FieldPath = ".networkData")]
public sealed class CloudInitSpec
{
    [JsonPropertyName("userData")]
    [MaxLength(65536)]
    [Description("cloud-init user data written to the seed's user-data file as is (#cloud-config YAML, or a script starting with #!). At most 64 KiB. Use userDataSecretRef for anything secret.")]
    public string? UserData { get; set; }

    [JsonPropertyName("userDataSecretRef")]
    [Description("A key of a Secret in the VM's namespace holding the user data (read by the node agent each time the VM starts).")]
    public SecretKeyRef? UserDataSecretRef { get; set; }

    [JsonPropertyName("networkData")]
    [MaxLength(65536)]
    [Description("cloud-init network configuration (version 1 or 2 YAML) written to the seed's network-config file. At most 64 KiB. Omit to let cloud-init use its default (DHCP on the first interface).")]
    public string? NetworkData { get; set; }

    [JsonPropertyName("networkDataSecretRef")]
    [Description("A key of a Secret in the VM's namespace holding the network configuration.")]
    public SecretKeyRef? NetworkDataSecretRef { get; set; }
}

public sealed class SecretKeyRef
{
    [JsonPropertyName("name")]
    [RequiredField]
    [MaxLength(253)]
    [Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    [Description("Name of the Secret, in the VM's namespace.")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("key")]
    [MaxLength(253)]
    [Pattern("^[-._a-zA-Z0-9]+$")]
    [Description("Key in the Secret's data. Default: userdata for userDataSecretRef, networkdata for networkDataSecretRef (KubeVirt's keys).")]
    public string? Key { get; set; }
}
