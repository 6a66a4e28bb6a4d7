namespace NumaOperator.Standalone.Tests;

/// <summary>The test classes that run real VMs under standalone: one at a time (two cores, TCG, one hugepage pool).</summary>
[CollectionDefinition(Name)]
public sealed class StandaloneSerial
{
    public const string Name = "standalone with real VMs";
}
