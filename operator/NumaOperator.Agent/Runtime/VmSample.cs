using NumaOperator.Qemu.Measurement;

namespace NumaOperator.Agent.Runtime;

/// <summary>One numa_maps sample of a running QEMU: measured, or why not.</summary>
public abstract record VmSample
{
    private VmSample()
    {
    }

    /// <summary>Where the guest RAM is, and the verdict against the placement.</summary>
    public sealed record Measured(NumaMeasurement Measurement, NumaVerdict Verdict) : VmSample;

    /// <summary>numa_maps could not be read (the process may be gone): liveness is checked soon.</summary>
    public sealed record Unreadable(string Problem) : VmSample;

    /// <summary>QEMU did not say over QMP where its guest RAM is: tried again at the next liveness tick.</summary>
    public sealed record RamNotLocated(string Problem) : VmSample;
}
