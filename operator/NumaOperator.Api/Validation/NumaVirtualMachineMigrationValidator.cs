using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using k8s;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Api.Validation;

/// <summary>What a valid migration spec asks for, parsed.</summary>
/// <param name="TargetNumaNodes">spec.targetNumaNodes, or null (the VM's own spec.numa.nodes).</param>
/// <param name="BandwidthBytesPerSecond">spec.bandwidth, or null (QEMU's default).</param>
public sealed record MigrationRequest(string VmName, string? TargetNode, CpuSet? TargetNumaNodes, long? BandwidthBytesPerSecond, int CompletionTimeoutSeconds);

/// <summary>The outcome of validating one NumaVirtualMachineMigration: errors, or the parsed request.</summary>
public sealed record MigrationValidationResult(IReadOnlyList<FieldError> Errors, MigrationRequest? Request)
{
    public bool IsValid => Errors.Count == 0;

    public string Summary => string.Join("; ", Errors.Select(e => e.ToString()));
}

/// <summary>
/// The one validation core for NumaVirtualMachineMigration: the embedded API server's admission and the controller both
/// call it, and it implements the CRD's CEL rules (spec immutable after creation, as KubeVirt's migrations are). Pure.
/// </summary>
public static partial class NumaVirtualMachineMigrationValidator
{
    /// <summary>spec.completionTimeoutSeconds when omitted.</summary>
    public const int DefaultCompletionTimeoutSeconds = 600;

    /// <summary>Validates a migration being created (<paramref name="current"/> null) or updated (the stored object).</summary>
    public static MigrationValidationResult Validate(NumaVirtualMachineMigration migration, NumaVirtualMachineMigration? current = null)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var errors = new List<FieldError>();
        ValidateName(migration.Metadata?.Name, errors);
        var spec = migration.Spec;
        if (spec is null)
        {
            errors.Add(FieldError.Required("spec", "a NumaVirtualMachineMigration needs spec.vmName"));
            return new MigrationValidationResult(errors, null);
        }

        if (current?.Spec is { } stored && !SameSpec(stored, spec))
        {
            errors.Add(new FieldError("spec", FieldErrorType.Forbidden, null, "spec is immutable: delete this migration and create a new one (only metadata can change)"));
        }

        ValidateVmName(spec.VmName, errors);
        ValidateTargetNode(spec.TargetNode, errors);
        var hostNodes = ValidateTargetNumaNodes(spec.TargetNumaNodes, errors);
        var bandwidth = ValidateBandwidth(spec.Bandwidth, errors);
        if (spec.CompletionTimeoutSeconds is < 1)
        {
            errors.Add(FieldError.Invalid("spec.completionTimeoutSeconds", spec.CompletionTimeoutSeconds.Value, "must be at least 1 (seconds); omit it for the default of 600"));
        }

        return errors.Count > 0
            ? new MigrationValidationResult(errors, null)
            : new MigrationValidationResult(errors, new MigrationRequest(spec.VmName, spec.TargetNode, hostNodes, bandwidth, spec.CompletionTimeoutSeconds ?? DefaultCompletionTimeoutSeconds));
    }

    private static bool SameSpec(NumaVirtualMachineMigrationSpec a, NumaVirtualMachineMigrationSpec b) =>
        KubernetesJson.Serialize(a) == KubernetesJson.Serialize(b);

    private static void ValidateName(string? name, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(FieldError.Required("metadata.name", "name is required"));
        }
        else if (!LabelValidation.IsDnsSubdomain(name))
        {
            errors.Add(FieldError.Invalid("metadata.name", name, DnsSubdomainRule));
        }
    }

    private const string DnsSubdomainRule =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (at most 253 characters)";

    private static void ValidateVmName(string? vmName, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(vmName))
        {
            errors.Add(FieldError.Required("spec.vmName", "the name of the NumaVirtualMachine to move, in this namespace"));
        }
        else if (!LabelValidation.IsDnsSubdomain(vmName))
        {
            errors.Add(FieldError.Invalid("spec.vmName", vmName, "must be the name of a NumaVirtualMachine: " + DnsSubdomainRule));
        }
    }

    private static void ValidateTargetNode(string? targetNode, List<FieldError> errors)
    {
        if (targetNode is null)
        {
            return;
        }

        if (targetNode.Length == 0 || !LabelValidation.IsDnsSubdomain(targetNode))
        {
            errors.Add(FieldError.Invalid("spec.targetNode", targetNode, "must be the name of a Kubernetes node: " + DnsSubdomainRule + "; omit it to let the controller choose"));
        }
    }

    /// <summary>spec.targetNumaNodes: cpuset syntax of host NUMA node ids 0..255, ranges ascending; null when omitted or invalid.</summary>
    private static CpuSet? ValidateTargetNumaNodes(string? text, List<FieldError> errors)
    {
        if (text is null)
        {
            return null;
        }

        var parsed = CpuSet.Empty;
        var error = string.Empty;
        if (text.Length == 0 || !TargetNumaNodesSyntax().IsMatch(text) || !CpuSet.TryParse(text, out parsed, out error))
        {
            var reason = error.Length > 0 ? $" ({error})" : string.Empty;
            errors.Add(FieldError.Invalid("spec.targetNumaNodes", text, $"must be host NUMA node ids in cpuset syntax such as \"1\", \"0-1\" or \"0,2\"{reason}; omit it to keep the VM's spec.numa.nodes"));
            return null;
        }

        if (parsed[parsed.Count - 1] > NumaVirtualMachineValidator.MaxHostNodeId)
        {
            errors.Add(FieldError.Invalid("spec.targetNumaNodes", text, $"host NUMA node ids must be between 0 and {NumaVirtualMachineValidator.MaxHostNodeId.ToString(CultureInfo.InvariantCulture)}"));
            return null;
        }

        return parsed;
    }

    private static long? ValidateBandwidth(string? text, List<FieldError> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (!QuantitySyntax().IsMatch(text) || !ByteQuantity.TryParse(text, out var bytes) || bytes <= 0)
        {
            errors.Add(FieldError.Invalid("spec.bandwidth", text, "must be a positive quantity of bytes per second such as \"64Mi\" or \"1Gi\" (suffixes Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, P, E); omit it for QEMU's default"));
            return null;
        }

        return bytes;
    }

    /// <summary>The CRD's pattern for spec.targetNumaNodes, so both reject the same text.</summary>
    [GeneratedRegex(@"^[0-9]{1,5}(-[0-9]{1,5})?(,[0-9]{1,5}(-[0-9]{1,5})?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex TargetNumaNodesSyntax();

    /// <summary>The CRD's pattern for spec.bandwidth.</summary>
    [GeneratedRegex(@"^[0-9]{1,19}(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$", RegexOptions.CultureInvariant)]
    private static partial Regex QuantitySyntax();

    /// <summary>Deserialization helper for admission: a JSON body as a migration, or why it is not one.</summary>
    public static NumaVirtualMachineMigration? Read(string json, out FieldError? error)
    {
        try
        {
            error = null;
            return KubernetesJson.Deserialize<NumaVirtualMachineMigration>(json);
        }
        catch (JsonException e)
        {
            var path = (e.Path ?? "$").TrimStart('$').TrimStart('.');
            error = FieldError.Invalid(path.Length == 0 ? "spec" : path, null, "has the wrong JSON type for a NumaVirtualMachineMigration (see `kubectl explain nvmim." + path + "`)");
            return null;
        }
    }
}
