using System.Globalization;
using System.Text.RegularExpressions;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Api.Validation;

/// <summary>spec.disks and spec.cloudInit (the CRD's x-kubernetes-validations are implemented here, as for the rest of the spec).</summary>
public static partial class NumaVirtualMachineValidator
{
    public const int MaxDataDisks = 8;
    public const int MaxDataDiskNameLength = 32;
    public const long MinDataDiskBytes = 1L << 20;
    public const long MaxDataDiskBytes = 64L << 40;
    public const int MaxCloudInitDataBytes = 65536;
    public const int MaxSecretNameLength = 253;

    /// <summary>spec.disks[*]: at most 8, unique DNS-label names, sizes of whole 512-byte sectors between 1Mi and 64Ti.</summary>
    private static void ValidateStorage(NumaVirtualMachineSpec spec, List<FieldError> errors)
    {
        ValidateDataDisks(spec.Disks, errors);
        ValidateCloudInit(spec.CloudInit, errors);
    }

    private static void ValidateDataDisks(IList<DataDiskSpec>? disks, List<FieldError> errors)
    {
        if (disks is null)
        {
            return;
        }

        if (disks.Count > MaxDataDisks)
        {
            errors.Add(FieldError.TooMany("spec.disks", disks.Count, MaxDataDisks));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < disks.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"spec.disks[{i}]");
            if (disks[i] is not { } disk)
            {
                errors.Add(FieldError.Required(path, "each disk needs a name and a size"));
                continue;
            }

            if (string.IsNullOrEmpty(disk.Name))
            {
                errors.Add(FieldError.Required(path + ".name", "a name of lowercase letters, digits and '-', e.g. data"));
            }
            else if (disk.Name.Length > MaxDataDiskNameLength)
            {
                errors.Add(FieldError.TooLong(path + ".name", disk.Name, MaxDataDiskNameLength));
            }
            else if (!DataDiskName().IsMatch(disk.Name))
            {
                errors.Add(FieldError.Invalid(path + ".name", disk.Name, "must be lowercase letters, digits and '-', starting and ending with a letter or digit"));
            }
            else if (!seen.Add(disk.Name))
            {
                // Reported on the list, where the CRD's CEL rule reports it (x-kubernetes-validations on spec.disks).
                errors.Add(FieldError.Invalid("spec.disks", disk.Name, $"disk names must be unique: spec.disks[{i.ToString(CultureInfo.InvariantCulture)}] repeats \"{disk.Name}\""));
            }

            ValidateDataDiskSize(path + ".size", disk.Size, errors);
        }
    }

    private static void ValidateDataDiskSize(string path, string? size, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(size))
        {
            errors.Add(FieldError.Required(path, "a quantity such as 10Gi"));
            return;
        }

        if (!MemorySizeSyntax().IsMatch(size) || !ByteQuantity.TryParse(size, out var bytes))
        {
            errors.Add(FieldError.Invalid(path, size, "must be " + ByteQuantity.AllowedForm));
            return;
        }

        if (bytes < MinDataDiskBytes || bytes > MaxDataDiskBytes || bytes % 512 != 0)
        {
            errors.Add(FieldError.Invalid(path, size, "must be a multiple of 512 bytes between 1Mi and 64Ti"));
        }
    }

    /// <summary>spec.cloudInit: each of user data and network data inline or from a Secret, not both; at most 64 KiB inline.</summary>
    private static void ValidateCloudInit(CloudInitSpec? cloudInit, List<FieldError> errors)
    {
        if (cloudInit is null)
        {
            return;
        }

        ValidateCloudInitSource("spec.cloudInit", "userData", cloudInit.UserData, cloudInit.UserDataSecretRef, errors);
        ValidateCloudInitSource("spec.cloudInit", "networkData", cloudInit.NetworkData, cloudInit.NetworkDataSecretRef, errors);
    }

    private static void ValidateCloudInitSource(string parent, string field, string? inline, SecretKeyRef? secretRef, List<FieldError> errors)
    {
        var path = parent + "." + field;
        if (inline is not null && secretRef is not null)
        {
            errors.Add(FieldError.Invalid(path, "(inline)", $"set either {field} or {field}SecretRef, not both"));
        }

        if (inline is not null && System.Text.Encoding.UTF8.GetByteCount(inline) > MaxCloudInitDataBytes)
        {
            errors.Add(FieldError.TooLong(path, "(inline)", MaxCloudInitDataBytes));
        }

        if (secretRef is null)
        {
            return;
        }

        var refPath = path + "SecretRef";
        if (string.IsNullOrEmpty(secretRef.Name))
        {
            errors.Add(FieldError.Required(refPath + ".name", "the name of a Secret in the VM's namespace"));
        }
        else if (secretRef.Name.Length > MaxSecretNameLength || !SecretName().IsMatch(secretRef.Name))
        {
            errors.Add(FieldError.Invalid(refPath + ".name", secretRef.Name, "must be a DNS subdomain (lowercase letters, digits, '-' and '.', at most 253)"));
        }

        if (secretRef.Key is { } key && (key.Length == 0 || key.Length > MaxSecretNameLength || !SecretKey().IsMatch(key)))
        {
            errors.Add(FieldError.Invalid(refPath + ".key", key, "must be a Secret data key: letters, digits, '-', '_' and '.', at most 253"));
        }
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DataDiskName();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();

    [GeneratedRegex("^[-._a-zA-Z0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretKey();
}
