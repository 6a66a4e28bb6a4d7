namespace NumaOperator.Numa.Placement;

/// <summary>
/// Which accelerator a VM gets on a node, from the node's published offers and the VM's spec.accelerator and
/// spec.cpu.model. A node that published no QEMU facts (a hand-written topology for <c>place</c>) constrains nothing:
/// the VM gets the accelerator it asks for, KVM for Any. Pure.
/// </summary>
public static class AcceleratorMatch
{
    /// <summary>The accelerator the VM runs under on this node when it is <paramref name="only"/> (or the best of the allowed ones when null); null with <paramref name="reason"/> when none fits.</summary>
    public static Accelerator? Choose(IReadOnlyList<AcceleratorOffer>? offers, AcceleratorRequirement requirement, string cpuModel, Accelerator? only, out string? reason)
    {
        reason = null;
        var candidates = Candidates(requirement, only);
        if (offers is null)
        {
            return candidates.Length > 0 ? candidates[0] : null;
        }

        foreach (var accelerator in candidates)
        {
            if (Find(offers, accelerator) is { } offer && offer.Runs(cpuModel))
            {
                return accelerator;
            }
        }

        reason = Reject(offers, requirement, cpuModel);
        return null;
    }

    /// <summary>KVM before emulation: a VM that accepts both prefers hardware virtualization.</summary>
    public static Accelerator[] Candidates(AcceleratorRequirement requirement, Accelerator? only)
    {
        Accelerator[] allowed = requirement switch
        {
            AcceleratorRequirement.Kvm => [Accelerator.Kvm],
            AcceleratorRequirement.Emulation => [Accelerator.Emulation],
            _ => [Accelerator.Kvm, Accelerator.Emulation],
        };
        return only is { } o ? [.. allowed.Where(a => a == o)] : allowed;
    }

    private static AcceleratorOffer? Find(IReadOnlyList<AcceleratorOffer> offers, Accelerator accelerator)
    {
        foreach (var offer in offers)
        {
            if (offer.Accelerator == accelerator)
            {
                return offer;
            }
        }

        return null;
    }

    /// <summary>Node-independent wording, so the unschedulable summary groups nodes that fail the same way.</summary>
    private static string Reject(IReadOnlyList<AcceleratorOffer> offers, AcceleratorRequirement requirement, string cpuModel)
    {
        var wanted = Candidates(requirement, null);
        var usable = wanted.Where(a => Find(offers, a)?.Usable == true).ToArray();
        if (usable.Length == 0)
        {
            return wanted.Length == 1 ? $"{AcceleratorNames.Of(wanted[0])} not usable" : "no usable accelerator";
        }

        var under = string.Join(" or ", usable.Select(AcceleratorNames.Of));
        return $"cpu model {cpuModel} not usable under {under}";
    }
}
