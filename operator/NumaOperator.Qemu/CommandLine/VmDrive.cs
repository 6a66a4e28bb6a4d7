namespace NumaOperator.Qemu.CommandLine;

/// <summary>A virtio block device after the root disk: a data disk (qcow2, writable) or the cloud-init seed (raw, read-only).</summary>
public sealed record VmDrive(string Path, string Format, bool ReadOnly);
