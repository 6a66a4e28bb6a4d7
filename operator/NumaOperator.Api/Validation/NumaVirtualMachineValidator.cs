using System.Text.RegularExpressions;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Numa.Placement;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.Api.Validation;

/// <summary>The outcome of validating one NumaVirtualMachine: errors, or the placement engine's request.</summary>
public sealed record VmValidationResult(IReadOnlyList<FieldError> Errors, VmRequest? Request)
{
    public bool IsValid => Errors.Count == 0;

    public string Summary => string.Join("; ", Errors.Select(e => e.ToString()));
}

/// <summary>
/// The one validation core for NumaVirtualMachine specs: the embedded API server, the controller and
/// <c>numa-operator place</c> all call it, so the same input is rejected the same way everywhere.
/// Pure: no I/O, no clock.
/// </summary>
public static partial class NumaVirtualMachineValidator
{
    public const int MaxCores = 1024;
    public const int MaxGuestNodes = 64;

    /// <summary>Highest host NUMA node id accepted in spec.numa.nodes (x86-64 kernels support 1024 nodes; no real host has 256).</summary>
    public const int MaxHostNodeId = 255;

    public const int MaxBootNameLength = 255;
    public const int MaxCmdlineLength = 4096;

    /// <summary>Most labels in spec.nodeSelector (the CRD's maxProperties).</summary>
    public const int MaxNodeSelectorLabels = 64;

    public static IReadOnlyList<string> Policies { get; } = ["Strict", "Preferred"];

    public static IReadOnlyList<string> DiskFormats { get; } = ["qcow2", "raw"];

    public static IReadOnlyList<string> Accelerators { get; } = [AcceleratorNames.Kvm, AcceleratorNames.Emulation, AcceleratorNames.Any];

    public const int MaxCpuModelLength = 64;

    /// <summary>
    /// Validates the whole object, one section per function as Kubernetes' validateX(spec, fldPath) does: each checks
    /// its fields, records every error with its path, and returns what it parsed; the request is built only when
    /// nothing failed.
    /// </summary>
    public static VmValidationResult Validate(NumaVirtualMachine vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        var errors = new List<FieldError>();
        ValidateName(vm.Metadata?.Name, errors);
        ValidateLabels(vm.Metadata?.Labels, errors);
        var spec = vm.Spec;
        if (spec is null)
        {
            errors.Add(FieldError.Required("spec", "a NumaVirtualMachine needs spec.cpu and spec.memory"));
            return new VmValidationResult(errors, null);
        }

        var cores = ValidateCpu(spec.Cpu, errors);
        var guestNodes = ValidateGuestNodes(spec.Numa, cores, errors);
        var (memoryBytes, pageSize) = ValidateMemory(spec.Memory, guestNodes, errors);
        var allowed = ValidateHostNodes(spec.Numa, guestNodes, errors);
        var policy = ValidatePolicy(spec.Numa, errors);
        var selector = ValidateNodeSelector(spec.NodeSelector, errors);
        ValidateBoot(spec.Boot, errors);
        ValidateInterfaces(spec.Interfaces, errors);
        ValidateStorage(spec, errors);
        var (accelerator, cpuModel) = ValidateAcceleration(spec, errors);
        ValidateRunStrategy(vm, errors);
        ValidateEvictionStrategy(spec, errors);
        if (errors.Count > 0)
        {
            return new VmValidationResult(errors, null);
        }

        var request = new VmRequest(vm.Key, cores, spec.Cpu!.Dedicated ?? false, memoryBytes, pageSize, allowed, guestNodes, policy, selector)
        {
            Accelerator = accelerator,
            CpuModel = cpuModel,
        };
        return new VmValidationResult(errors, request);
    }

    /// <summary>spec.cpu: present, 1..1024 cores; returns the cores (0 when missing).</summary>
    private static int ValidateCpu(CpuSpec? cpu, List<FieldError> errors)
    {
        if (cpu is null)
        {
            errors.Add(FieldError.Required("spec.cpu", "spec.cpu.cores is required (1 to 1024)"));
            return 0;
        }

        if (cpu.Cores < 1 || cpu.Cores > MaxCores)
        {
            errors.Add(FieldError.Invalid("spec.cpu.cores", cpu.Cores, $"must be between 1 and {MaxCores}"));
        }

        return cpu.Cores;
    }

    /// <summary>spec.numa.guestNodes: 1..64 and at most the cores; returns it (1 when invalid, so later checks stay meaningful).</summary>
    private static int ValidateGuestNodes(NumaSpec? numa, int cores, List<FieldError> errors)
    {
        var guestNodes = numa?.GuestNodes ?? 1;
        if (guestNodes < 1 || guestNodes > MaxGuestNodes)
        {
            errors.Add(FieldError.Invalid("spec.numa.guestNodes", guestNodes, $"must be between 1 and {MaxGuestNodes}"));
            return 1;
        }

        if (cores >= 1 && cores <= MaxCores && cores < guestNodes)
        {
            errors.Add(FieldError.Invalid("spec.numa.guestNodes", guestNodes, $"must not exceed spec.cpu.cores ({cores}): every guest node needs at least one vCPU"));
        }

        return guestNodes;
    }

    /// <summary>spec.memory: a size of whole bytes that splits into whole pages per guest node; returns the bytes (0 when invalid) and the page size.</summary>
    private static (long Bytes, PageSize PageSize) ValidateMemory(MemorySpec? memory, int guestNodes, List<FieldError> errors)
    {
        var pageSize = PageSize.Normal;
        if (memory?.Hugepages is { } hp && !PageSize.TryParseHuge(hp.PageSize, out pageSize))
        {
            errors.Add(FieldError.NotSupported("spec.memory.hugepages.pageSize", hp.PageSize, PageSize.AllowedNames));
            pageSize = PageSize.Normal;
        }

        if (memory is null || string.IsNullOrEmpty(memory.Size))
        {
            errors.Add(FieldError.Required("spec.memory.size", "guest RAM as a quantity, e.g. 512Mi or 30Gi"));
            return (0, pageSize);
        }

        if (!MemorySizeSyntax().IsMatch(memory.Size) || !ByteQuantity.TryParse(memory.Size, out var bytes) || bytes <= 0)
        {
            errors.Add(FieldError.Invalid("spec.memory.size", memory.Size, "must be " + ByteQuantity.AllowedForm + ", greater than zero"));
            return (0, pageSize);
        }

        if (bytes % (pageSize.Bytes * guestNodes) != 0)
        {
            errors.Add(FieldError.Invalid(
                "spec.memory.size",
                memory.Size,
                guestNodes == 1
                    ? $"must be a multiple of the page size {pageSize}"
                    : $"must split into {guestNodes} guest nodes of whole {pageSize} pages: a multiple of {ByteQuantity.Format(pageSize.Bytes * guestNodes)}"));
        }

        return (bytes, pageSize);
    }

    /// <summary>spec.numa.nodes: cpuset syntax of ids 0..255, at least as many distinct nodes as guest nodes; null when omitted or invalid.</summary>
    private static CpuSet? ValidateHostNodes(NumaSpec? numa, int guestNodes, List<FieldError> errors)
    {
        if (numa?.Nodes is not { } nodesText)
        {
            return null;
        }

        if (nodesText.Length == 0)
        {
            errors.Add(FieldError.Invalid("spec.numa.nodes", nodesText, "must list at least one host NUMA node, e.g. \"0\"; omit the field to allow every node"));
            return null;
        }

        var parsed = CpuSet.Empty;
        var error = string.Empty;
        if (!NumaNodesSyntax().IsMatch(nodesText) || !CpuSet.TryParse(nodesText, out parsed, out error))
        {
            // The same syntax as the CRD's pattern (no spaces, ids of at most 3 digits), so both reject the same text.
            var reason = error.Length > 0 ? $" ({error})" : string.Empty;
            errors.Add(FieldError.Invalid("spec.numa.nodes", nodesText, $"must be host NUMA node ids in cpuset syntax such as \"1\", \"0-1\" or \"0,2\"{reason}"));
            return null;
        }

        if (parsed[parsed.Count - 1] > MaxHostNodeId)
        {
            errors.Add(FieldError.Invalid("spec.numa.nodes", nodesText, $"host NUMA node ids must be between 0 and {MaxHostNodeId}"));
            return null;
        }

        if (guestNodes > parsed.Count)
        {
            errors.Add(FieldError.Invalid("spec.numa.guestNodes", guestNodes, $"must not exceed the {parsed.Count} host NUMA node(s) listed in spec.numa.nodes (\"{nodesText}\"): each guest node needs its own host node"));
        }

        return parsed;
    }

    private static NumaPolicy ValidatePolicy(NumaSpec? numa, List<FieldError> errors)
    {
        switch (numa?.Policy)
        {
            case null or "Strict":
                return NumaPolicy.Strict;
            case "Preferred":
                return NumaPolicy.Preferred;
            default:
                errors.Add(FieldError.NotSupported("spec.numa.policy", numa.Policy, Policies));
                return NumaPolicy.Strict;
        }
    }

    /// <summary>spec.nodeSelector: at most 64 labels, qualified-name keys, label values; returns the valid pairs.</summary>
    private static Dictionary<string, string> ValidateNodeSelector(IDictionary<string, string>? nodeSelector, List<FieldError> errors)
    {
        var selector = new Dictionary<string, string>(StringComparer.Ordinal);
        if (nodeSelector is { Count: > MaxNodeSelectorLabels } tooMany)
        {
            errors.Add(FieldError.TooMany("spec.nodeSelector", tooMany.Count, MaxNodeSelectorLabels));
        }

        foreach (var (key, value) in nodeSelector ?? new Dictionary<string, string>())
        {
            if (!LabelValidation.IsQualifiedName(key))
            {
                errors.Add(FieldError.Invalid("spec.nodeSelector", key, "label keys must be a qualified name: an optional DNS subdomain prefix and '/', then 1-63 characters of [A-Za-z0-9-_.] starting and ending with an alphanumeric"));
            }
            else if (!LabelValidation.IsLabelValue(value))
            {
                // spec.nodeSelector.<key>: the path the CRD schema reports for a map value.
                errors.Add(FieldError.Invalid($"spec.nodeSelector.{key}", value, "label values must be empty or 1-63 characters of [A-Za-z0-9-_.] starting and ending with an alphanumeric"));
            }
            else
            {
                selector[key] = value;
            }
        }

        return selector;
    }

    /// <summary>spec.accelerator (default KVM) and spec.cpu.model (default host-model); a model name stays one QEMU option value (no ',').</summary>
    private static (AcceleratorRequirement Accelerator, string CpuModel) ValidateAcceleration(NumaVirtualMachineSpec spec, List<FieldError> errors)
    {
        var accelerator = AcceleratorRequirement.Kvm;
        if (spec.Accelerator is { } acceleratorText)
        {
            if (AcceleratorNames.ParseRequirement(acceleratorText) is { } parsed)
            {
                accelerator = parsed;
            }
            else
            {
                errors.Add(FieldError.NotSupported("spec.accelerator", acceleratorText, Accelerators));
            }
        }

        var model = spec.Cpu?.Model ?? AcceleratorNames.HostModel;
        if (model.Length > MaxCpuModelLength)
        {
            errors.Add(FieldError.TooLong("spec.cpu.model", model, MaxCpuModelLength));
        }
        else if (!CpuModelName().IsMatch(model))
        {
            errors.Add(FieldError.Invalid("spec.cpu.model", model, "must be host-passthrough, host-model or a QEMU CPU model name (qemu-system-x86_64 -cpu help): letters, digits, '.', '_' and '-', starting with a letter or digit"));
        }

        return (accelerator, model);
    }

    private static void ValidateName(string? name, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(FieldError.Required("metadata.name", "name is required"));
        }
        else if (!LabelValidation.IsDnsSubdomain(name))
        {
            errors.Add(FieldError.Invalid("metadata.name", name, "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (at most 253 characters)"));
        }
    }

    /// <summary>
    /// metadata.labels as the real API server checks them (it rejects these before any admission; the embedded server and
    /// <c>place</c> rely on this check), so a label can never carry shell text into selectors, logs or the agent.
    /// </summary>
    private static void ValidateLabels(IDictionary<string, string>? labels, List<FieldError> errors)
    {
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            if (!LabelValidation.IsQualifiedName(key))
            {
                errors.Add(FieldError.Invalid("metadata.labels", key, "label keys must be a qualified name: an optional DNS subdomain prefix and '/', then 1-63 characters of [A-Za-z0-9-_.] starting and ending with an alphanumeric"));
            }
            else if (!LabelValidation.IsLabelValue(value ?? string.Empty))
            {
                errors.Add(FieldError.Invalid("metadata.labels", value, "label values must be empty or 1-63 characters of [A-Za-z0-9-_.] starting and ending with an alphanumeric"));
            }
        }
    }

    private static void ValidateBoot(BootSpec? boot, List<FieldError> errors)
    {
        if (boot is null)
        {
            return;
        }

        ValidateBootFile("spec.boot.kernel", boot.Kernel, errors);
        ValidateBootFile("spec.boot.initrd", boot.Initrd, errors);
        if (boot.Initrd is not null && boot.Kernel is null)
        {
            errors.Add(FieldError.Required("spec.boot.kernel", "an initrd needs a kernel"));
        }

        if (boot.Cmdline is not null)
        {
            if (boot.Kernel is null)
            {
                errors.Add(FieldError.Required("spec.boot.kernel", "a cmdline needs a kernel"));
            }

            if (boot.Cmdline.Length > MaxCmdlineLength)
            {
                errors.Add(FieldError.TooLong("spec.boot.cmdline", boot.Cmdline, MaxCmdlineLength));
            }
            else if (boot.Cmdline.Any(c => char.IsControl(c)))
            {
                errors.Add(FieldError.Invalid("spec.boot.cmdline", boot.Cmdline, "must not contain control characters (newline, NUL, ...)"));
            }
        }

        if (boot.Disk is { } disk)
        {
            if (string.IsNullOrEmpty(disk.Image))
            {
                errors.Add(FieldError.Required("spec.boot.disk.image", "a disk image file name under the agent's image root"));
            }
            else
            {
                ValidateBootFile("spec.boot.disk.image", disk.Image, errors);
            }

            if (disk.Format is not null && !DiskFormats.Contains(disk.Format))
            {
                errors.Add(FieldError.NotSupported("spec.boot.disk.format", disk.Format, DiskFormats));
            }
        }
    }

    private static void ValidateBootFile(string path, string? value, List<FieldError> errors)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length > MaxBootNameLength)
        {
            errors.Add(FieldError.TooLong(path, value, MaxBootNameLength));
        }
        else if (!BootFileName().IsMatch(value))
        {
            errors.Add(FieldError.Invalid(path, value, "must be a relative file name under the agent's image root: segments of [A-Za-z0-9._+-] separated by '/', none starting with '.' or '-' (no absolute paths, no '..')"));
        }
    }

    /// <summary>The CRD's pattern for spec.memory.size: whole bytes, an optional binary or decimal suffix, no spaces.</summary>
    [GeneratedRegex("^[0-9]{1,19}(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$", RegexOptions.CultureInvariant)]
    private static partial Regex MemorySizeSyntax();

    /// <summary>The CRD's pattern for spec.numa.nodes: cpuset list syntax, no spaces.</summary>
    [GeneratedRegex("^[0-9]{1,3}(-[0-9]{1,3})?(,[0-9]{1,3}(-[0-9]{1,3})?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex NumaNodesSyntax();

    /// <summary>The CRD's pattern for spec.cpu.model: one QEMU option value, so no ',' (which would add CPU properties).</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex CpuModelName();

    /// <summary>Relative path, each segment starting with an alphanumeric or '_': excludes "/etc", "..", "-opt".</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9._+-]*(/[A-Za-z0-9_][A-Za-z0-9._+-]*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex BootFileName();
}
