using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using NumaOperator.Api.Serialization;
using NumaOperator.Api.V1Alpha1;
using NumaOperator.Api.Validation;
using NumaOperator.ControllerRuntime;

namespace NumaOperator.Cli.Standalone;

/// <summary>What --apply did to one object.</summary>
public sealed record AppliedObject(string Kind, string Key, string Outcome)
{
    public override string ToString() => $"{Kind.ToLowerInvariant()}/{Key} {Outcome}";
}

/// <summary>
/// --apply FILE|DIR: create-or-update like `kubectl apply`. Every file is read and validated, then every object is sent
/// as a server dry run, and only when all pass are they written, so a bad manifest changes nothing (exit 2 naming file
/// and field). On update, spec is replaced and labels/annotations are merged.
/// </summary>
public sealed class ManifestApplier(IKubernetes client)
{
    public const string Option = "--apply";

    private static readonly string[] ManifestExtensions = [".yaml", ".yml", ".json"];

    /// <summary>Files named directly, and the *.yaml, *.yml, *.json files of named directories (not recursive, name order).</summary>
    public static IReadOnlyList<string> ExpandPaths(IEnumerable<string> paths)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var inDir = Directory.EnumerateFiles(path)
                    .Where(f => ManifestExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (inDir.Count == 0)
                {
                    throw new BadInputException($"{Option} {path}: the directory holds no *.yaml, *.yml or *.json file");
                }

                files.AddRange(inDir);
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                throw new BadInputException($"{Option} {path}: no such file or directory");
            }
        }

        return files;
    }

    /// <summary>Reads and validates; throws <see cref="BadInputException"/> naming the file, document and field.</summary>
    public static ManifestSet Read(IReadOnlyList<string> files)
    {
        ManifestSet set;
        try
        {
            set = ManifestReader.ReadFiles(files);
        }
        catch (ManifestException e)
        {
            throw new BadInputException($"{Option} {e.Message}", e);
        }

        if (set.NodeLabels.Count > 0)
        {
            throw new BadInputException($"{Option}: kind Node is not applied by standalone (it registers this host's Node itself); supported kinds: {NumaVirtualMachine.KubeKind}, {NumaNodeTopology.KubeKind}");
        }

        foreach (var (vm, source) in set.VirtualMachines)
        {
            var result = NumaVirtualMachineValidator.Validate(vm);
            if (!result.IsValid)
            {
                throw new BadInputException($"{Option} {source}: {NumaVirtualMachine.KubeKind} {vm.Metadata?.Name}: {result.Summary}");
            }
        }

        foreach (var (topology, source) in set.Topologies)
        {
            if (string.IsNullOrEmpty(topology.Metadata?.Name))
            {
                throw new BadInputException($"{Option} {source}: {NumaNodeTopology.KubeKind}: field metadata.name: Required value");
            }
        }

        var duplicate = set.VirtualMachines.GroupBy(v => v.Resource.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new BadInputException($"{Option}: {NumaVirtualMachine.KubeKind} {duplicate.Key} appears twice ({string.Join(" and ", duplicate.Select(d => d.Source))})");
        }

        return set;
    }

    /// <summary>Dry run of everything, then the real writes; the server's rejection becomes bad input naming the file.</summary>
    public async Task<IReadOnlyList<AppliedObject>> ApplyAsync(ManifestSet set, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(set);
        foreach (var ns in set.VirtualMachines.Select(v => v.Resource.Metadata.NamespaceProperty ?? "default").Distinct(StringComparer.Ordinal))
        {
            await EnsureNamespaceAsync(ns, ct);
        }

        foreach (var dryRun in new[] { true, false })
        {
            var applied = new List<AppliedObject>();
            foreach (var (topology, source) in set.Topologies)
            {
                applied.Add(await ApplyOneAsync(NumaNodeTopology.KubeKind, null, topology.Metadata.Name, NumaNodeTopology.Plural, MergePatch.ToNode(topology)!, source, dryRun, ct));
            }

            foreach (var (vm, source) in set.VirtualMachines)
            {
                vm.Metadata.NamespaceProperty ??= "default";
                applied.Add(await ApplyOneAsync(NumaVirtualMachine.KubeKind, vm.Metadata.NamespaceProperty, vm.Metadata.Name, NumaVirtualMachine.Plural, MergePatch.ToNode(vm)!, source, dryRun, ct));
            }

            if (!dryRun)
            {
                return applied;
            }
        }

        return [];
    }

    private async Task EnsureNamespaceAsync(string ns, CancellationToken ct)
    {
        try
        {
            await client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }, cancellationToken: ct);
        }
    }

    private async Task<AppliedObject> ApplyOneAsync(string kind, string? ns, string name, string plural, JsonObject manifest, ManifestSource source, bool dryRun, CancellationToken ct)
    {
        manifest.Remove("status");
        var key = ns is null ? name : $"{ns}/{name}";
        var dry = dryRun ? "All" : null;
        try
        {
            var existing = await GetAsync(ns, name, plural, ct);
            if (existing is null)
            {
                _ = ns is null
                    ? await client.CustomObjects.CreateClusterCustomObjectAsync(manifest, ApiGroup.Group, ApiGroup.Version, plural, dryRun: dry, cancellationToken: ct)
                    : await client.CustomObjects.CreateNamespacedCustomObjectAsync(manifest, ApiGroup.Group, ApiGroup.Version, ns, plural, dryRun: dry, cancellationToken: ct);
                return new AppliedObject(kind, key, "created");
            }

            var patch = UpdatePatch(existing, manifest);
            if (patch is null)
            {
                return new AppliedObject(kind, key, "unchanged");
            }

            var body = new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch);
            var patched = RawObject.Tree(ns is null
                ? await client.CustomObjects.PatchClusterCustomObjectAsync(body, ApiGroup.Group, ApiGroup.Version, plural, name, dryRun: dry, cancellationToken: ct)
                : await client.CustomObjects.PatchNamespacedCustomObjectAsync(body, ApiGroup.Group, ApiGroup.Version, ns, plural, name, dryRun: dry, cancellationToken: ct));
            var changed = !JsonNode.DeepEquals(patched?["metadata"]?["generation"], existing["metadata"]?["generation"])
                || !JsonNode.DeepEquals(patched?["metadata"]?["labels"], existing["metadata"]?["labels"])
                || !JsonNode.DeepEquals(patched?["metadata"]?["annotations"], existing["metadata"]?["annotations"]);
            return new AppliedObject(kind, key, changed || dryRun ? "configured" : "unchanged");
        }
        catch (HttpOperationException e) when ((int)e.Response.StatusCode is 400 or 409 or 422)
        {
            throw new BadInputException($"{Option} {source}: {kind} {key}: rejected by the API server: {StatusMessage(e)}", e);
        }
    }

    /// <summary>Merge patch replacing spec and merging labels and annotations; null when nothing would change.</summary>
    private static JsonObject? UpdatePatch(JsonObject existing, JsonObject manifest)
    {
        var before = new JsonObject
        {
            ["spec"] = existing["spec"]?.DeepClone(),
            ["metadata"] = new JsonObject { ["labels"] = existing["metadata"]?["labels"]?.DeepClone(), ["annotations"] = existing["metadata"]?["annotations"]?.DeepClone() },
        };
        var after = (JsonObject)before.DeepClone();
        after["spec"] = manifest["spec"]?.DeepClone();
        foreach (var field in new[] { "labels", "annotations" })
        {
            if (manifest["metadata"]?[field] is JsonObject wanted)
            {
                var merged = after["metadata"]![field] as JsonObject ?? [];
                foreach (var (k, v) in wanted)
                {
                    merged[k] = v?.DeepClone();
                }

                after["metadata"]![field] = merged;
            }
        }

        var patch = MergePatch.Diff(before, after);
        if (patch?["spec"] is JsonObject specPatch)
        {
            // Fields the server defaulted (running, policy...) are absent from the manifest; leave them to the defaults
            // rather than sending nulls that the server would default again (and count as a change).
            foreach (var (k, v) in specPatch.ToList())
            {
                if (v is null && IsDefaulted(k))
                {
                    specPatch.Remove(k);
                }
            }

            if (specPatch.Count == 0)
            {
                patch.Remove("spec");
            }
        }

        return patch is { Count: > 0 } ? patch : null;
    }

    private static bool IsDefaulted(string specField) => specField is "running";

    private async Task<JsonObject?> GetAsync(string? ns, string name, string plural, CancellationToken ct)
    {
        try
        {
            var found = ns is null
                ? await client.CustomObjects.GetClusterCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, plural, name, ct)
                : await client.CustomObjects.GetNamespacedCustomObjectAsync(ApiGroup.Group, ApiGroup.Version, ns, plural, name, ct);
            return RawObject.Tree(found);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The message of the Status the server sent (it names the fields), else the HTTP reason.</summary>
    private static string StatusMessage(HttpOperationException e)
    {
        try
        {
            if (JsonNode.Parse(e.Response.Content ?? string.Empty)?["message"]?.GetValue<string>() is { Length: > 0 } message)
            {
                return message;
            }
        }
        catch (JsonException)
        {
        }

        return $"{(int)e.Response.StatusCode} {e.Response.ReasonPhrase}";
    }
}
