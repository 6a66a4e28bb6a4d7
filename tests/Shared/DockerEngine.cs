namespace NumaOperator.Tests.Shared;

/// <summary>Whether a Docker engine is reachable, for the tests that start K3s in a container (skipped where none is).</summary>
public static class DockerEngine
{
    public static bool Reachable =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");

    /// <summary>The skip reason, ending with what runs where Docker exists.</summary>
    public static string SkipReason(string what) => $"no Docker engine reachable (no DOCKER_HOST, no /var/run/docker.sock): {what} runs where Docker exists";
}
