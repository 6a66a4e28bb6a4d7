namespace NumaOperator.BadInput.Tests;

/// <summary>The embedded API server with its default admission (standalone mode) and the controller running.</summary>
public sealed class DefaultServerFixture : IAsyncLifetime
{
    public EmbeddedEnvironment Env { get; private set; } = null!;

    public async Task InitializeAsync() => Env = await EmbeddedEnvironment.StartAsync(schemaOnly: false);

    public async Task DisposeAsync() => await Env.DisposeAsync();
}

/// <summary>The embedded API server admitting with the CRD's structural schema only, so the controller's validation is the last line.</summary>
public sealed class SchemaOnlyServerFixture : IAsyncLifetime
{
    public EmbeddedEnvironment Env { get; private set; } = null!;

    public async Task InitializeAsync() => Env = await EmbeddedEnvironment.StartAsync(schemaOnly: true);

    public async Task DisposeAsync() => await Env.DisposeAsync();
}

/// <summary>
/// Every corpus manifest through the real KubernetesClient against the embedded API server (schema + validation core),
/// with the controller running: it stops at the surface the index names, the message names the field and the allowed
/// values, and nothing changed (no VM stored, ledger unchanged, no QEMU).
/// </summary>
public sealed class EmbeddedServerCorpusTests(DefaultServerFixture fixture) : IClassFixture<DefaultServerFixture>
{
    public static TheoryData<string> ApiManifests => Corpus.Files(e => e.Surface != Surfaces.Preflight);

    [Theory]
    [MemberData(nameof(ApiManifests))]
    public async Task Stops_at_its_surface_naming_the_field_and_changes_nothing(string file)
    {
        var entry = Corpus.Get(file);
        await CorpusChecks.AssertStopsAsync(fixture.Env, entry, entry.Surface, entry.Api, entry.Core);
    }
}

/// <summary>
/// The same corpus when the server checks only the structural schema (a cluster without CEL, or the CRD applied without
/// validation): what the schema cannot see is stored and the controller stalls it with the field path; it is never placed.
/// </summary>
public sealed class SchemaOnlyServerCorpusTests(SchemaOnlyServerFixture fixture) : IClassFixture<SchemaOnlyServerFixture>
{
    public static TheoryData<string> ApiManifests => Corpus.Files(e => e.Surface != Surfaces.Preflight);

    [Theory]
    [MemberData(nameof(ApiManifests))]
    public async Task Stops_at_the_schema_or_is_stalled_by_the_controller(string file)
    {
        var entry = Corpus.Get(file);
        var surface = Rules.SchemaOnlySurface(entry.Rule);
        await CorpusChecks.AssertStopsAsync(fixture.Env, entry, surface, entry.Api, surface == Surfaces.Stalled ? entry.Core : entry.Api);
    }
}
