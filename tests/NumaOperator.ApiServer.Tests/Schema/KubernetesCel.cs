using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cel;
using k8s.Models;

namespace NumaOperator.ApiServer.Tests.Schema;

/// <summary>
/// Evaluates a CRD's x-kubernetes-validations in tests with the Cel package plus the parts of Kubernetes' CEL
/// libraries our rules use (strings split, lists sum, the quantity library), so the rules are proved to accept the
/// good specs and reject the bad ones, as the real API server would.
/// </summary>
internal static partial class KubernetesCel
{
    private static readonly CelEnvironment Environment = CreateEnvironment();

    public sealed record RuleFailure(string Path, string Message, string? Reason);

    /// <summary>Runs every rule of the schema against the object; a rule that is false or fails to evaluate is a failure.</summary>
    public static IReadOnlyList<RuleFailure> Evaluate(V1JSONSchemaProps schema, JsonNode? node)
    {
        var failures = new List<RuleFailure>();
        Walk(schema, node, string.Empty, failures);
        return failures;
    }

    private static void Walk(V1JSONSchemaProps schema, JsonNode? node, string path, List<RuleFailure> failures)
    {
        if (node is null)
        {
            return;
        }

        foreach (var rule in schema.XKubernetesValidations ?? [])
        {
            bool passed;
            try
            {
                passed = Environment.Compile(rule.Rule).Invoke(new Dictionary<string, object?> { ["self"] = ToCel(node) }) is true;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                passed = false;
            }

            if (!passed)
            {
                failures.Add(new RuleFailure(path + (rule.FieldPath ?? string.Empty), rule.Message, rule.Reason));
            }
        }

        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    var childSchema = schema.Properties?.TryGetValue(name, out var p) == true ? p : schema.AdditionalProperties as V1JSONSchemaProps;
                    if (childSchema is not null)
                    {
                        Walk(childSchema, child, path.Length == 0 ? name : path + "." + name, failures);
                    }
                }

                break;
            case JsonArray array when schema.Items is V1JSONSchemaProps items:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(items, array[i], $"{path}[{i}]", failures);
                }

                break;
        }
    }

    private static object? ToCel(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToCel(p.Value)),
        JsonArray array => array.Select(ToCel).ToList(),
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when node.GetValue<double>() is var d && Math.Floor(d) == d => (long)d,
            JsonValueKind.Number => node.GetValue<double>(),
            _ => null,
        },
    };

    private static CelEnvironment CreateEnvironment()
    {
        var env = new CelEnvironment(null, null);
        env.RegisterFunction("split", [typeof(string), typeof(string)], a => ((string)a[0]!).Split((string)a[1]!).Cast<object?>().ToList());
        env.RegisterFunction("sum", [typeof(IList)], a => ((IEnumerable)a[0]!).Cast<object>().Sum(Convert.ToInt64));
        env.RegisterFunction("quantity", [typeof(string)], a => Quantity.Parse((string)a[0]!));
        env.RegisterFunction("isQuantity", [typeof(string)], a => Quantity.TryParse((string)a[0]!, out _));
        env.RegisterFunction("isInteger", [typeof(Quantity)], a => ((Quantity)a[0]!).IsInt64);
        env.RegisterFunction("asInteger", [typeof(Quantity)], a => ((Quantity)a[0]!).AsInt64());
        env.RegisterFunction("isGreaterThan", [typeof(Quantity), typeof(Quantity)], a => ((Quantity)a[0]!).CompareTo((Quantity)a[1]!) > 0);
        env.RegisterFunction("isLessThan", [typeof(Quantity), typeof(Quantity)], a => ((Quantity)a[0]!).CompareTo((Quantity)a[1]!) < 0);
        return env;
    }

    /// <summary>A Kubernetes resource.Quantity as an exact rational number (numerator / denominator).</summary>
    internal sealed partial record Quantity(BigInteger Numerator, BigInteger Denominator) : IComparable<Quantity>
    {
        public bool IsInt64 => BigInteger.Remainder(Numerator, Denominator).IsZero
            && Numerator / Denominator is var v && v >= long.MinValue && v <= long.MaxValue;

        public long AsInt64() => IsInt64 ? (long)(Numerator / Denominator) : throw new InvalidOperationException("cannot convert value to integer: out of range or fractional");

        public int CompareTo(Quantity? other) => other is null ? 1 : (Numerator * other.Denominator).CompareTo(other.Numerator * Denominator);

        public static Quantity Parse(string text) => TryParse(text, out var q) ? q : throw new FormatException($"quantities must match the regular expression: {text}");

        public static bool TryParse(string text, out Quantity quantity)
        {
            quantity = new Quantity(0, 1);
            var m = Syntax().Match(text);
            if (!m.Success)
            {
                return false;
            }

            var digits = m.Groups["int"].Value + m.Groups["frac"].Value;
            var numerator = BigInteger.Parse(digits.Length == 0 ? "0" : digits, CultureInfo.InvariantCulture) * (m.Groups["sign"].Value == "-" ? -1 : 1);
            var denominator = BigInteger.Pow(10, m.Groups["frac"].Value.Length);
            var suffix = m.Groups["suffix"].Value;
            var binary = new[] { "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
            var decimalSuffixes = new Dictionary<string, int> { ["n"] = -9, ["u"] = -6, ["m"] = -3, [string.Empty] = 0, ["k"] = 3, ["M"] = 6, ["G"] = 9, ["T"] = 12, ["P"] = 15, ["E"] = 18 };
            int exponent;
            if (Array.IndexOf(binary, suffix) is var b and >= 0)
            {
                numerator *= BigInteger.Pow(2, 10 * (b + 1));
                exponent = 0;
            }
            else if (decimalSuffixes.TryGetValue(suffix, out var e))
            {
                exponent = e;
            }
            else
            {
                exponent = int.Parse(suffix[1..], CultureInfo.InvariantCulture);
            }

            if (exponent >= 0)
            {
                numerator *= BigInteger.Pow(10, exponent);
            }
            else
            {
                denominator *= BigInteger.Pow(10, -exponent);
            }

            quantity = new Quantity(numerator, denominator);
            return true;
        }

        [GeneratedRegex(@"^(?<sign>[+-]?)(?<int>[0-9]*)(\.(?<frac>[0-9]*))?(?<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
        private static partial Regex Syntax();
    }
}
