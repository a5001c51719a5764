using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RandomDemo.Tests.Infrastructure;
using RandomDemo.Tests.Streaming;
using Xunit.Abstractions;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>
/// Streaming replicas sharing one event log: a real redis-server, a real generator and N real
/// streaming processes on free ports, each with its own upstream stream and
/// <c>ConnectionStrings__events</c> pointing at the Redis, under a log name of its own (tests that
/// share a redis-server never see each other's events). Disposal stops every process.
/// </summary>
public sealed class ReplicaSet : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<StartedProcess> _replicas = [];

    private ReplicaSet(RedisServer redis, string logName)
    {
        Redis = redis;
        LogName = logName;
    }

    public RedisServer Redis { get; }

    /// <summary><c>EventLog__Name</c>: the prefix of every Redis key of this set.</summary>
    public string LogName { get; }

    public StreamingStack Stack { get; private set; } = null!;

    /// <summary>Every replica started, in order (killed or stopped ones included).</summary>
    public IReadOnlyList<StartedProcess> Replicas => _replicas;

    public IEnumerable<StartedProcess> Running => _replicas.Where(replica => !replica.HasExited);

    /// <summary>
    /// Starts Redis, the generator and <paramref name="replicas"/> streaming processes (points every
    /// <paramref name="frequencyMs"/> ms; <paramref name="streaming"/> adds settings) and returns once
    /// every replica serves <c>/stream</c> (it has read the log once).
    /// </summary>
    public static async Task<ReplicaSet> StartAsync(ITestOutputHelper output, int replicas, int frequencyMs = 100, IReadOnlyDictionary<string, string?>? streaming = null)
    {
        var redis = new RedisServer();
        var set = new ReplicaSet(redis, "t" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await redis.StartAsync();
            var environment = new Dictionary<string, string?>
            {
                ["ConnectionStrings__events"] = redis.ConnectionString,
                ["EventLog__Name"] = set.LogName,
            };
            foreach (var (key, value) in streaming ?? new Dictionary<string, string?>())
            {
                environment[key] = value;
            }

            set.Stack = await StreamingStack.StartAsync(output, frequencyMs, environment);
            set._replicas.Add(set.Stack.Streaming);
            for (var i = 1; i < replicas; i++)
            {
                set._replicas.Add(await set.Stack.StartReplicaAsync());
            }

            foreach (var replica in set._replicas)
            {
                await set.WaitUntilServingAsync(replica);
            }
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }

        return set;
    }

    public static Uri StreamUri(StartedProcess replica) => new(replica.BaseAddress, "/stream");

    public static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts one more replica with the set's settings (a replacement, or the Nth).</summary>
    public async Task<StartedProcess> AddReplicaAsync()
    {
        var replica = await Stack.StartReplicaAsync();
        _replicas.Add(replica);
        return replica;
    }

    public async Task<JsonElement> MetricsAsync(StartedProcess replica) =>
        await _http.GetFromJsonAsync<JsonElement>(new Uri(replica.BaseAddress, "/metrics"));

    public async Task<HttpStatusCode> StatusAsync(StartedProcess replica, string path)
    {
        using var response = await _http.GetAsync(new Uri(replica.BaseAddress, path), HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }

    /// <summary>Waits until <c>/stream</c> answers 200 (a replica answers 503 until it has read the log once).</summary>
    public Task WaitUntilServingAsync(StartedProcess replica) =>
        Eventually.UntilAsync(async () =>
        {
            var (http, response) = await SseConnection.SendAsync(StreamUri(replica));
            using (http)
            using (response)
            {
                return response.StatusCode;
            }
        }, status => status == HttpStatusCode.OK, StreamingStack.WaitTimeout, $"{replica.Name} on port {replica.Port} serving /stream");

    public Task<JsonElement> WaitForMetricsAsync(StartedProcess replica, Func<JsonElement, bool> condition, string what) =>
        Eventually.UntilAsync(() => MetricsAsync(replica), condition, StreamingStack.WaitTimeout, $"/metrics of port {replica.Port} showing {what}");

    public Task WaitForStatusAsync(StartedProcess replica, string path, HttpStatusCode status) =>
        Eventually.UntilAsync(() => StatusAsync(replica, path), answer => answer == status, StreamingStack.WaitTimeout, $"{path} of port {replica.Port} answering {(int)status}");

    /// <summary>The role each running replica reports in /metrics.</summary>
    public async Task<ReplicaRoles> RolesAsync()
    {
        var roles = new SortedDictionary<int, string>();
        foreach (var replica in Running)
        {
            roles[replica.Port] = (await MetricsAsync(replica)).String("role") ?? "(null)";
        }

        return new ReplicaRoles(roles);
    }

    /// <summary>Waits until exactly one running replica reports producer and all the others follower; returns the producer.</summary>
    public async Task<StartedProcess> WaitForOneProducerAsync(TimeSpan timeout)
    {
        var roles = await Eventually.UntilAsync(RolesAsync, roles => roles.OneProducer, timeout, "exactly one producer, the other replicas followers");
        return Running.Single(replica => replica.Port == roles.ProducerPort);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        foreach (var replica in _replicas.Skip(1))
        {
            await replica.DisposeAsync();
        }

        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }
}

/// <summary>The roles replicas reported, by port.</summary>
public sealed record ReplicaRoles(IReadOnlyDictionary<int, string> ByPort)
{
    /// <summary>Exactly one producer, every other replica a follower.</summary>
    public bool OneProducer => ByPort.Count(role => role.Value == "producer") == 1 && ByPort.Count(role => role.Value == "follower") == ByPort.Count - 1;

    public int ProducerPort => ByPort.Single(role => role.Value == "producer").Key;

    public override string ToString() => string.Join(", ", ByPort.Select(role => $"{role.Key}: {role.Value}"));
}
