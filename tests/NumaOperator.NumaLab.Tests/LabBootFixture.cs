using NumaOperator.Tests.Shared;

namespace NumaOperator.NumaLab.Tests;

/// <summary>
/// ONE boot of the NUMA lab running one guest script (tests/numa-lab/SCRIPT) with lab-vm.yaml and the CLI as shipped
/// (<see cref="PublishedCli"/>: Native AOT, so its start-up inside the TCG guest runs native code, not the JIT),
/// shared by a test class (each boot costs minutes under TCG). Started on first use, so a host without the
/// prerequisites skips instead of booting.
/// </summary>
public abstract class LabBootFixture
{
    private readonly Lazy<string?> missing = new(NumaLabRunner.MissingPrerequisite);
    private readonly Lazy<Task<LabRun>> run;

    /// <param name="script">The guest script's file name under tests/numa-lab.</param>
    /// <param name="timeout">run.sh kills the guest at this deadline.</param>
    /// <param name="vmFiles">The NumaVirtualMachine files the script launches (copied into the guest).</param>
    /// <param name="options">More run.sh options (guest memory, 1 GiB pages).</param>
    /// <param name="environment">More variables for the guest script besides NUMALAB_CLI, computed on first use.</param>
    protected LabBootFixture(string script, TimeSpan timeout, IReadOnlyList<string> vmFiles, IReadOnlyList<string>? options = null, Func<IReadOnlyDictionary<string, string>>? environment = null)
    {
        run = new Lazy<Task<LabRun>>(() => NumaLabRunner.RunAsync(new LabRequest(
            Path.Combine(NumaLabRunner.LabDirectory, script),
            vmFiles,
            new Dictionary<string, string>(environment?.Invoke() ?? new Dictionary<string, string>())
            {
                ["NUMALAB_CLI"] = NumaLabRunner.GuestPath(PublishedCli.Executable),
            },
            timeout,
            options)));
    }

    /// <summary>Null when the lab can run here, else the reason to skip (printed by the test runner).</summary>
    public string? MissingPrerequisite => missing.Value;

    public Task<LabRun> RunAsync() => run.Value;
}
