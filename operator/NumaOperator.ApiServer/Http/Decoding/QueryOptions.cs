using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using NumaOperator.ApiServer.Selection;
using NumaOperator.ApiServer.Storage;

namespace NumaOperator.ApiServer.Http.Decoding;

/// <summary>The query parameters of resource requests, parsed and checked: every bad value is a 400 naming the parameter.</summary>
public static class QueryOptions
{
    /// <summary>dryRun=All and fieldValidation (absent means Warn, as in the real server).</summary>
    public static WriteOptions WriteOptionsOf(IQueryCollection query)
    {
        var dryRun = query["dryRun"].ToString();
        if (dryRun.Length > 0 && dryRun != "All")
        {
            throw ApiStatusException.BadRequest($"dryRun: Unsupported value: \"{dryRun}\": supported values: \"All\"");
        }

        var validation = query["fieldValidation"].ToString();
        if (validation.Length > 0 && validation is not ("Strict" or "Warn" or "Ignore"))
        {
            throw ApiStatusException.BadRequest($"fieldValidation: Unsupported value: \"{validation}\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
        }

        return new WriteOptions(dryRun == "All", validation switch
        {
            "Strict" => FieldValidation.Strict,
            "Ignore" => FieldValidation.Ignore,
            _ => FieldValidation.Warn,
        });
    }

    /// <summary>labelSelector and fieldSelector, each at most <see cref="RequestLimits.MaxSelectorLength"/> characters.</summary>
    public static Selectors SelectorsOf(IQueryCollection query, RequestLimits limits)
    {
        var labelText = Bounded(query, "labelSelector", limits.MaxSelectorLength);
        var fieldText = Bounded(query, "fieldSelector", limits.MaxSelectorLength);
        try
        {
            return new Selectors(LabelSelector.Parse(labelText), FieldSelector.Parse(fieldText), labelText.Length == 0 && fieldText.Length == 0);
        }
        catch (FormatException e)
        {
            throw ApiStatusException.BadRequest(e.Message);
        }
    }

    /// <summary>limit (a positive number pages the list; 0 or absent: everything) and continue.</summary>
    public static (int? Limit, string? Continue) PagingOf(IQueryCollection query)
    {
        var limitText = query["limit"].ToString();
        int? limit = null;
        if (limitText.Length > 0)
        {
            limit = long.TryParse(limitText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) && parsed >= 0
                ? (int)Math.Min(parsed, int.MaxValue)
                : throw ApiStatusException.BadRequest($"limit: Invalid value: \"{limitText}\": must be a non-negative integer");
        }

        var token = query["continue"].ToString();
        if (token.Length > 0 && query["resourceVersion"].ToString() is { Length: > 0 } rv && rv != "0")
        {
            throw ApiStatusException.BadRequest("specifying resource version is not allowed when using continue");
        }

        return (limit is 0 ? null : limit, token.Length == 0 ? null : token);
    }

    /// <summary>resourceVersion of a watch: null ("" or "0") replays the current objects as ADDED first.</summary>
    public static long? WatchStartOf(IQueryCollection query)
    {
        var rvText = query["resourceVersion"].ToString();
        if (rvText is "" or "0")
        {
            return null;
        }

        return long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw ApiStatusException.BadRequest($"resourceVersion: Invalid value: \"{rvText}\": must be a non-negative integer");
    }

    /// <summary>timeoutSeconds of a watch; 30 minutes when absent.</summary>
    public static TimeSpan WatchTimeoutOf(IQueryCollection query)
    {
        if (query["timeoutSeconds"].ToString() is not { Length: > 0 } seconds)
        {
            return TimeSpan.FromMinutes(30);
        }

        return int.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s)
            ? TimeSpan.FromSeconds(s)
            : throw ApiStatusException.BadRequest($"timeoutSeconds: Invalid value: \"{seconds}\": must be a non-negative integer");
    }

    public static bool IsTrue(StringValues value) => value.ToString() is "1" or "true" or "True";

    /// <summary>Accept: application/json;as=Table;v=v1;g=meta.k8s.io (what kubectl get asks for) as the first choice.</summary>
    public static bool WantsTable(HttpRequest request) =>
        request.Headers.Accept.ToString().Split(',').FirstOrDefault()?.Contains("as=Table", StringComparison.Ordinal) == true;

    public static bool IncludeObject(HttpRequest request) => request.Query["includeObject"].ToString() == "Object";

    private static string Bounded(IQueryCollection query, string parameter, int maxLength)
    {
        var text = query[parameter].ToString();
        return text.Length <= maxLength
            ? text
            : throw ApiStatusException.BadRequest(FormattableString.Invariant($"{parameter}: Too long: may not be longer than {maxLength} characters (got {text.Length})"));
    }
}

/// <summary>A request's label and field selectors.</summary>
public sealed record Selectors(LabelSelector Labels, FieldSelector Fields, bool Empty)
{
    public bool Matches(StoredObject obj) => Labels.Matches(obj.Labels) && Fields.Matches(obj.Namespace, obj.Name);
}
