namespace NumaOperator.Packaging.Tests;

/// <summary>The value sets the chart is rendered with: defaults and the files under ChartValues/.</summary>
public static class ChartVariants
{
    public const string Default = "default";
    public const string VapOff = "vap-off";
    public const string Otlp = "otlp";
    public const string GiganticPages = "gigantic-pages";
    public const string ServiceMonitor = "servicemonitor";

    public static readonly string[] All = [Default, VapOff, Otlp, GiganticPages, ServiceMonitor];

    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in All)
            {
                data.Add(name);
            }

            return data;
        }
    }

    /// <summary>helm arguments selecting the variant's values file (none for the defaults).</summary>
    public static string[] Arguments(string variant) =>
        variant == Default ? [] : ["--values", Path.Combine(AppContext.BaseDirectory, "ChartValues", variant + ".yaml")];

    public static RenderedChart Render(string variant) => RenderedChart.Render(Arguments(variant));
}
