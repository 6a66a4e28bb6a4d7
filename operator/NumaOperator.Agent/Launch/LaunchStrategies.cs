namespace NumaOperator.Agent.Launch;

/// <summary>The launch strategies by the name the --launch-strategy flag takes.</summary>
public static class LaunchStrategies
{
    public static IReadOnlyList<string> Names { get; } = ["direct", "systemd-run"];

    /// <summary>Null when <paramref name="name"/> is not one of <see cref="Names"/>.</summary>
    public static ILaunchStrategy? ByName(string name) => name switch
    {
        "direct" => new DirectLaunch(),
        "systemd-run" => new SystemdRunLaunch(),
        _ => null,
    };
}
