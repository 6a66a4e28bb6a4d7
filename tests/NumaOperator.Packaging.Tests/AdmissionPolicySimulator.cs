using System.Text.Json.Nodes;
using Cel;
using YamlDotNet.RepresentationModel;

namespace NumaOperator.Packaging.Tests;

/// <summary>One admission request as a ValidatingAdmissionPolicy sees it.</summary>
public sealed record AdmissionRequest(
    string Username,
    string? NodeName,
    string Operation,
    string Resource,
    string? SubResource,
    string? ObjectJson,
    string? OldObjectJson);

/// <summary>
/// Evaluates a rendered ValidatingAdmissionPolicy the way the API server does, in order: matchConstraints,
/// matchConditions, variables, validations (CEL, evaluated by the Cel package). It covers the CEL this
/// chart's policy uses: field access, has(), map membership, ternaries, null checks, string concatenation.
/// </summary>
public sealed class AdmissionPolicySimulator(YamlNode policy)
{
    private const string NodeNameKey = "authentication.kubernetes.io/node-name";

    private readonly CelEnvironment cel = new(null, null);

    /// <summary>null when the policy allows the request (or does not apply to it), else the denial message.</summary>
    public string? Evaluate(AdmissionRequest request)
    {
        if (!Matches(request))
        {
            return null;
        }

        var variables = new Dictionary<string, object?>(StringComparer.Ordinal);
        var userInfo = new Dictionary<string, object?>(StringComparer.Ordinal) { ["username"] = request.Username };
        if (request.NodeName is not null)
        {
            userInfo["extra"] = new Dictionary<string, object?>(StringComparer.Ordinal) { [NodeNameKey] = new List<object?> { request.NodeName } };
        }

        var scope = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["request"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["operation"] = request.Operation,
                ["userInfo"] = userInfo,
                ["resource"] = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["group"] = "numaoperator.io",
                    ["version"] = "v1alpha1",
                    ["resource"] = request.Resource,
                },
                ["subResource"] = request.SubResource ?? string.Empty,
            },
            ["object"] = ToCel(request.ObjectJson is null ? null : JsonNode.Parse(request.ObjectJson)),
            ["oldObject"] = ToCel(request.OldObjectJson is null ? null : JsonNode.Parse(request.OldObjectJson)),
            ["variables"] = variables,
        };

        foreach (var condition in Yaml.Sequence(policy, "spec", "matchConditions"))
        {
            if (!IsTrue(Yaml.Scalar(condition, "expression")!, scope))
            {
                return null;
            }
        }

        foreach (var variable in Yaml.Sequence(policy, "spec", "variables"))
        {
            variables[Yaml.Scalar(variable, "name")!] = cel.Program(Yaml.Scalar(variable, "expression")!, scope);
        }

        foreach (var validation in Yaml.Sequence(policy, "spec", "validations"))
        {
            if (!IsTrue(Yaml.Scalar(validation, "expression")!, scope))
            {
                var messageExpression = Yaml.Scalar(validation, "messageExpression");
                return messageExpression is null
                    ? Yaml.Scalar(validation, "message") ?? "denied"
                    : Convert.ToString(cel.Program(messageExpression, scope), System.Globalization.CultureInfo.InvariantCulture) ?? "denied";
            }
        }

        return null;
    }

    private bool Matches(AdmissionRequest request)
    {
        var resource = request.SubResource is null ? request.Resource : $"{request.Resource}/{request.SubResource}";
        return Yaml.Sequence(policy, "spec", "matchConstraints", "resourceRules").Any(rule =>
            Yaml.Strings(rule, "apiGroups").Contains("numaoperator.io")
            && Yaml.Strings(rule, "operations").Contains(request.Operation)
            && Yaml.Strings(rule, "resources").Contains(resource));
    }

    private bool IsTrue(string expression, Dictionary<string, object?> scope) => cel.Program(expression, scope) is true;

    private static object? ToCel(JsonNode? node) => node switch
    {
        null => null,
        JsonObject map => map.ToDictionary(p => p.Key, p => ToCel(p.Value), StringComparer.Ordinal),
        JsonArray list => list.Select(ToCel).ToList(),
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        JsonValue value when value.TryGetValue<long>(out var integer) => integer,
        _ => node.GetValue<string>(),
    };
}
