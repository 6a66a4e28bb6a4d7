using NumaOperator.Qemu.CommandLine;

namespace NumaOperator.Qemu.Tests;

/// <summary>
/// Random hostile text in every user-controlled slot (name, cmdline, boot paths) never changes the argv's shape:
/// same flags at the same positions, and every key=value option splits (QEMU's ",," rule) into the same keys.
/// </summary>
public sealed class ArgvFuzzTests
{
    private static readonly HashSet<string> Standalone = ["-nodefaults", "-no-user-config", "-daemonize", "-S"];

    /// <summary>Flags whose value QEMU takes as one string, never parsed as key=value options.</summary>
    private static readonly HashSet<string> Verbatim = ["-append", "-kernel", "-initrd", "-pidfile", "-uuid"];

    private const string Alphabet = "abc-=,, ;:-\"'\\$`|&<>(){}[]*?!#~/.-x0";

    [Fact]
    public void Random_user_text_never_adds_an_option_or_a_property()
    {
        var baseline = QemuArgvBuilder.Build("/q", TestSpecs.TwoNodeRam(), TestSpecs.Qemu90);
        var random = new Random(20261129);
        for (var round = 0; round < 2000; round++)
        {
            var name = RandomText(random, 1, 40);
            var cmdline = RandomText(random, 0, 80);
            var kernel = "/images/" + RandomText(random, 1, 30);
            var argv = QemuArgvBuilder.Build("/q", TestSpecs.TwoNodeRam(name, cmdline, kernel), TestSpecs.Qemu90);
            Assert.Equal(baseline.Count, argv.Count);
            var i = 1;
            while (i < baseline.Count)
            {
                Assert.Equal(baseline[i], argv[i]); // a flag stays that flag, in its place
                if (Standalone.Contains(baseline[i]))
                {
                    i++;
                    continue;
                }

                if (!Verbatim.Contains(baseline[i]))
                {
                    Assert.Equal(Keys(baseline[i + 1]), Keys(argv[i + 1]));
                }

                i += 2;
            }
        }
    }

    private static string[] Keys(string option) =>
        [.. QemuOptionValue.Split(option).Select(p => p.Contains('=', StringComparison.Ordinal) ? p[..p.IndexOf('=', StringComparison.Ordinal)] : "<flag>:" + p)];

    private static string RandomText(Random random, int min, int max)
    {
        var length = random.Next(min, max + 1);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[random.Next(Alphabet.Length)];
        }

        return new string(chars);
    }
}
