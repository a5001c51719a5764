using System.Diagnostics;
using System.Net;
using System.Text.Json;
using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Dashboard;

/// <summary>One span as the dashboard stored it: the service that sent it (its <c>service.name</c>) and its ids.</summary>
public sealed record TelemetrySpan(string Service, string TraceId, string SpanId, string? ParentSpanId, string Name);

/// <summary>One structured log record as the dashboard stored it, with the trace it was written in.</summary>
public sealed record TelemetryLog(string Service, string? TraceId, string? SpanId, string Message);

/// <summary>
/// The dashboard's telemetry HTTP API (<c>/api/telemetry/*</c>, OTLP JSON), which the AppHost turns
/// on for its dashboard (<c>ASPIRE_DASHBOARD_API_ENABLED=true</c>, API key <c>AppHost:DashboardApiKey</c>).
/// It answers from what the dashboard received on its OTLP endpoint.
/// </summary>
public static class TelemetryApi
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    /// <summary>Every span of one trace; none while the dashboard has not received it.</summary>
    public static async Task<IReadOnlyList<TelemetrySpan>> GetTraceAsync(this HttpClient api, ActivityTraceId traceId) =>
        [.. (await QueryAsync(api, $"/api/telemetry/traces/{traceId.ToHexString()}", "resourceSpans", "scopeSpans", "spans")).Select(span => new TelemetrySpan(
            span.Service,
            span.Record.GetProperty("traceId").GetString()!,
            span.Record.GetProperty("spanId").GetString()!,
            span.Record.TryGetProperty("parentSpanId", out var parent) ? parent.GetString() : null,
            span.Record.GetProperty("name").GetString()!))];

    /// <summary>The structured logs of one resource written within one trace.</summary>
    public static async Task<IReadOnlyList<TelemetryLog>> GetLogsAsync(this HttpClient api, string resource, ActivityTraceId traceId) =>
        [.. (await QueryAsync(api, $"/api/telemetry/logs?resource={Uri.EscapeDataString(resource)}&traceId={traceId.ToHexString()}", "resourceLogs", "scopeLogs", "logRecords")).Select(log => new TelemetryLog(
            log.Service,
            log.Record.TryGetProperty("traceId", out var trace) ? trace.GetString() : null,
            log.Record.TryGetProperty("spanId", out var span) ? span.GetString() : null,
            log.Record.GetProperty("body").GetProperty("stringValue").GetString()!))];

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds; the timeout says what the API had.</summary>
    public static Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what) =>
        Eventually.UntilAsync(read, done, DefaultWait, what, value => "the API had " + JsonSerializer.Serialize(value), DashboardPage.PollInterval);

    /// <summary>The records an API path answers with; none on a 404 (no such trace, or no resource of that name, received yet).</summary>
    private static async Task<List<(string Service, JsonElement Record)>> QueryAsync(HttpClient api, string path, string resources, string scopes, string records)
    {
        using var response = await api.GetAsync(path);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
        return [.. Records(json, resources, scopes, records).Select(found => (found.Service, found.Record.Clone()))];
    }

    /// <summary>The records of an OTLP JSON answer (<c>data.{resources}[].{scopes}[].{records}[]</c>), each with its resource's service.name.</summary>
    private static IEnumerable<(string Service, JsonElement Record)> Records(JsonDocument json, string resources, string scopes, string records) =>
        from resource in json.RootElement.GetProperty("data").GetProperty(resources).EnumerateArray()
        let service = ServiceName(resource)
        from scope in resource.GetProperty(scopes).EnumerateArray()
        from record in scope.GetProperty(records).EnumerateArray()
        select (service, record);

    private static string ServiceName(JsonElement resource) =>
        resource.GetProperty("resource").GetProperty("attributes").EnumerateArray()
            .Where(attribute => attribute.GetProperty("key").GetString() == "service.name")
            .Select(attribute => attribute.GetProperty("value").GetProperty("stringValue").GetString())
            .FirstOrDefault() ?? "";
}
