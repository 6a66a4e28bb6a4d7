using System.Globalization;
using System.Text.Json.Nodes;
using NumaOperator.ApiServer.Json;
using NumaOperator.ApiServer.Resources;
using NumaOperator.Numa.Quantities;

namespace NumaOperator.ApiServer.Http;

/// <summary>
/// meta.k8s.io/v1 Table output (what <c>kubectl get</c> asks for): Name, then the printer columns, date columns shown as
/// ages; each row carries the object's metadata (PartialObjectMetadata) or, with includeObject=Object, the object.
/// </summary>
public sealed class TableConverter(TimeProvider clock)
{
    public JsonObject Convert(ResourceKind kind, IEnumerable<JsonObject> objects, string resourceVersion, bool includeObject, bool withColumns = true)
    {
        var columns = new JsonArray
        {
            (JsonNode)new JsonObject
            {
                ["name"] = "Name", ["type"] = "string", ["format"] = "name", ["priority"] = 0,
                ["description"] = "Name must be unique within a namespace. Cannot be updated.",
            },
        };
        foreach (var column in kind.PrinterColumns)
        {
            columns.Add((JsonNode)new JsonObject
            {
                ["name"] = column.Name,
                ["type"] = column.Type,
                ["format"] = column.Format ?? string.Empty,
                ["description"] = column.Description,
                ["priority"] = column.Priority,
            });
        }

        var now = clock.GetUtcNow();
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var cells = new JsonArray { (JsonNode?)JsonValue.Create(ObjectMetadata.String(obj, "name")) };
            foreach (var column in kind.PrinterColumns)
            {
                cells.Add(Cell(column, PrinterColumnPath.Evaluate(obj, column.JsonPath), now));
            }

            rows.Add((JsonNode)new JsonObject
            {
                ["cells"] = cells,
                ["object"] = includeObject ? obj.DeepClone() : new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = obj["metadata"]?.DeepClone(),
                },
            });
        }

        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
        };
        if (withColumns)
        {
            table["columnDefinitions"] = columns;
        }

        table["rows"] = rows;
        return table;
    }

    private static JsonNode? Cell(PrinterColumn column, JsonNode? value, DateTimeOffset now)
    {
        if (value is null)
        {
            return null;
        }

        if (column.Type == "date" && DateTimeOffset.TryParse(value.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return HumanDuration.Format(now - time);
        }

        return value is JsonValue ? value.DeepClone() : value.ToJsonString();
    }
}
