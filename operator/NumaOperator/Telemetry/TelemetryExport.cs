using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace NumaOperator.Cli.Telemetry;

/// <summary>
/// Exports a component's ActivitySource and Meter: OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the standard
/// OTEL_* variables configure it), and a Prometheus scrape endpoint when a listen prefix is given.
/// </summary>
public sealed class TelemetryExport : IDisposable
{
    private readonly MeterProvider _meters;
    private readonly TracerProvider _tracer;

    private TelemetryExport(MeterProvider meters, TracerProvider tracer)
    {
        _meters = meters;
        _tracer = tracer;
    }

    public static bool OtlpConfigured => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));

    /// <param name="serviceName">Used when OTEL_SERVICE_NAME is not set.</param>
    /// <param name="sourceName">The ActivitySource and Meter name of the component.</param>
    /// <param name="prometheusPrefix">An HttpListener prefix such as http://+:9464/ serving /metrics, or null.</param>
    public static TelemetryExport Start(string serviceName, string sourceName, string? prometheusPrefix)
    {
        var resource = ResourceBuilder.CreateDefault().AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? serviceName);
        var meters = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(sourceName);
        var tracer = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(sourceName);
        if (OtlpConfigured)
        {
            meters.AddOtlpExporter();
            tracer.AddOtlpExporter();
        }

        if (prometheusPrefix is not null)
        {
            var (host, port) = SplitPrefix(prometheusPrefix);
            meters.AddPrometheusHttpListener(o =>
            {
                o.Host = host;
                o.Port = port;
            });
        }

        return new TelemetryExport(meters.Build()!, tracer.Build()!);
    }

    /// <summary>"http://+:9464/" → ("+", 9464).</summary>
    /// <exception cref="FormatException">Not an http://HOST:PORT/ prefix.</exception>
    public static (string Host, int Port) SplitPrefix(string prefix)
    {
        var hostPort = prefix.StartsWith("http://", StringComparison.Ordinal) && prefix.EndsWith('/') ? prefix[7..^1] : string.Empty;
        var colon = hostPort.LastIndexOf(':');
        return colon > 0 && int.TryParse(hostPort[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? (hostPort[..colon], port)
            : throw new FormatException($"\"{prefix}\" is not an http://HOST:PORT/ prefix");
    }

    public void Dispose()
    {
        _tracer.Dispose();
        _meters.Dispose();
    }
}
