using System.Globalization;

namespace NumaOperator.NumaLab.Tests;

/// <summary>One command run inside the lab by numalab_run: its stdout, stderr and exit code.</summary>
public sealed record LabCommandResult(string Name, string Stdout, string Stderr, int ExitCode);

/// <summary>A guest NUMA node as the lab's /init saw it at boot.</summary>
public sealed record LabGuestNode(int Id, string Cpus, int TotalHugepages, int FreeHugepages);

/// <summary>
/// The NUMALAB-* markers of a lab's serial log (tests/numa-lab/init.sh, guest-lib.sh): boot facts, each command's
/// output between OUTPUT-BEGIN/END and STDERR-BEGIN/END, its RESULT exit code, VALUE lines, and DONE.
/// </summary>
public sealed class LabSerialLog
{
    private const string Prefix = "NUMALAB-";

    private LabSerialLog(
        string? bootLine,
        IReadOnlyList<LabGuestNode> nodes,
        IReadOnlyDictionary<string, LabCommandResult> commands,
        IReadOnlyDictionary<string, string> values,
        IReadOnlyList<string> errors,
        int? doneExitCode)
    {
        BootLine = bootLine;
        Nodes = nodes;
        Commands = commands;
        Values = values;
        Errors = errors;
        DoneExitCode = doneExitCode;
    }

    /// <summary>"kernel=... cpus=2 nodes=0-1" when the guest booted and mounted the host root.</summary>
    public string? BootLine { get; }

    public IReadOnlyList<LabGuestNode> Nodes { get; }

    public IReadOnlyDictionary<string, LabCommandResult> Commands { get; }

    /// <summary>NUMALAB-VALUE KEY TEXT lines.</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    /// <summary>NUMALAB-ERROR lines of the lab's /init.</summary>
    public IReadOnlyList<string> Errors { get; }

    /// <summary>The guest script's exit code (NUMALAB-DONE rc=N); null when the lab did not finish.</summary>
    public int? DoneExitCode { get; }

    public static LabSerialLog Parse(string serialLog)
    {
        string? bootLine = null;
        var nodes = new List<LabGuestNode>();
        var commands = new Dictionary<string, LabCommandResult>(StringComparer.Ordinal);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<string>();
        var stdout = new Dictionary<string, string>(StringComparer.Ordinal);
        var stderr = new Dictionary<string, string>(StringComparer.Ordinal);
        int? done = null;

        string? section = null; // "OUTPUT name" or "STDERR name" while inside a block
        var block = new List<string>();
        foreach (var raw in serialLog.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (section is not null)
            {
                if (line == Prefix + section.Replace(" ", "-END ", StringComparison.Ordinal))
                {
                    var (kind, name) = Split(section);
                    (kind == "OUTPUT" ? stdout : stderr)[name] = string.Join('\n', block).TrimEnd('\n');
                    section = null;
                    block.Clear();
                }
                else
                {
                    block.Add(line);
                }

                continue;
            }

            if (!line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var (marker, rest) = Split(line[Prefix.Length..]);
            switch (marker)
            {
                case "BOOTED":
                    bootLine = rest;
                    break;
                case "NODE":
                    nodes.Add(ParseNode(rest, line));
                    break;
                case "OUTPUT-BEGIN":
                    section = "OUTPUT " + rest;
                    break;
                case "STDERR-BEGIN":
                    section = "STDERR " + rest;
                    break;
                case "RESULT":
                    var (name, exit) = Split(rest);
                    if (!exit.StartsWith("exit=", StringComparison.Ordinal) || !int.TryParse(exit[5..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var code))
                    {
                        throw new FormatException($"malformed serial log line \"{line}\": expected NUMALAB-RESULT NAME exit=N");
                    }

                    commands[name] = new LabCommandResult(name, stdout.GetValueOrDefault(name, string.Empty), stderr.GetValueOrDefault(name, string.Empty), code);
                    break;
                case "VALUE":
                    var (key, value) = Split(rest);
                    values[key] = value;
                    break;
                case "ERROR":
                    errors.Add(rest);
                    break;
                case "DONE":
                    done = rest.StartsWith("rc=", StringComparison.Ordinal) && int.TryParse(rest[3..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var rc) ? rc : null;
                    break;
                default:
                    break;
            }
        }

        return new LabSerialLog(bootLine, nodes, commands, values, errors, done);
    }

    /// <summary>Parses "node0=64 node1=32" (a VALUE line of free pages) into node -> count.</summary>
    public static IReadOnlyDictionary<int, int> ParseNodeCounts(string text)
    {
        var counts = new Dictionary<int, int>();
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (!part.StartsWith("node", StringComparison.Ordinal) || eq < 0
                || !int.TryParse(part.AsSpan(4, eq - 4), NumberStyles.None, CultureInfo.InvariantCulture, out var node)
                || !int.TryParse(part.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                throw new FormatException($"\"{text}\": expected nodeN=COUNT words");
            }

            counts[node] = count;
        }

        return counts;
    }

    private static LabGuestNode ParseNode(string rest, string line)
    {
        // "0 cpus=0 hugepages-2048kB total=64 free=64"
        var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string Field(string key) => words.FirstOrDefault(w => w.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..]
            ?? throw new FormatException($"malformed serial log line \"{line}\": no {key}=");
        return new LabGuestNode(
            int.Parse(words[0], CultureInfo.InvariantCulture),
            Field("cpus"),
            int.Parse(Field("total"), CultureInfo.InvariantCulture),
            int.Parse(Field("free"), CultureInfo.InvariantCulture));
    }

    private static (string Head, string Tail) Split(string text)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (text, string.Empty) : (text[..space], text[(space + 1)..]);
    }
}
