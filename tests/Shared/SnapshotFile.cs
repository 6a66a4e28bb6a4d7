namespace NumaOperator.Tests.Shared;

/// <summary>
/// Checked-in snapshots: the actual text must equal the file; on a difference the actual text is written beside it
/// as *.received (same name, that extension) for review, and the assertion fails with the diff.
/// </summary>
public static class SnapshotFile
{
    public static void AssertMatches(string path, string actual)
    {
        var expected = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        if (actual != expected)
        {
            File.WriteAllText(Path.ChangeExtension(path, ".received"), actual);
        }

        Assert.Equal(expected, actual);
    }
}
