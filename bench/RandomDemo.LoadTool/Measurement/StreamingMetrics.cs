using System.Text.Json;

namespace RandomDemo.LoadTool.Measurement;

/// <summary>The streaming service's GET /metrics, as far as the bench reads it.</summary>
internal sealed record StreamingMetrics(long Clients, long MessagesSent, long ClientsDropped, long LastEventId, long MessagesReceived)
{
    public static async Task<StreamingMetrics> GetAsync(HttpClient http, Uri streamUrl, CancellationToken cancellation)
    {
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(streamUrl, "/metrics"), cancellation));
        var root = document.RootElement;
        return new StreamingMetrics(
            Long(root, "clients"),
            Long(root, "messages_sent"),
            Long(root, "clients_dropped"),
            Long(root, "last_event_id"),
            Long(root, "messages_received"));
    }

    /// <summary>Polls until the service counts <paramref name="clients"/> clients, or the timeout passes.</summary>
    public static async Task<StreamingMetrics> WaitForClientsAsync(HttpClient http, Uri streamUrl, long clients, TimeSpan timeout, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var metrics = await GetAsync(http, streamUrl, cancellation);
            if (metrics.Clients == clients || DateTime.UtcNow >= deadline)
            {
                return metrics;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellation);
        }
    }

    private static long Long(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : -1;
}
