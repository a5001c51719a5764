using System.Net;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Generator;

/// <summary>Health, reflection, stream clean-up and hostile input, each on a generator of its own.</summary>
public sealed partial class GeneratorRobustnessTests : IAsyncLifetime
{
    private readonly GeneratorFixture _generator = new();

    public Task InitializeAsync() => _generator.InitializeAsync();

    public Task DisposeAsync() => _generator.DisposeAsync();

    [Fact]
    public async Task Grpc_health_service_reports_serving()
    {
        var health = new Health.HealthClient(_generator.Channel);
        var response = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Server_reflection_lists_the_random_service()
    {
        var reflection = new ServerReflection.ServerReflectionClient(_generator.Channel);
        using var call = reflection.ServerReflectionInfo(deadline: DateTime.UtcNow.AddSeconds(10));
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("random.RandomService", names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    [Fact]
    public async Task Cancelled_streams_end_on_the_server()
    {
        const int streams = 25;
        using var cancel = new CancellationTokenSource();
        var calls = Enumerable.Range(0, streams)
            .Select(_ => _generator.Client.StreamRandomData(new StreamRequest { FrequencyMs = 10 }, cancellationToken: cancel.Token))
            .ToList();
        foreach (var call in calls)
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        Assert.Equal(streams, _generator.Process.Output.Count(StartedLine().IsMatch));
        await cancel.CancelAsync();
        foreach (var call in calls)
        {
            call.Dispose();
        }

        // Every server-side loop (and with it its timer) has exited: one "ended" line per stream.
        await _generator.Process.WaitForLinesAsync(EndedLine().IsMatch, streams, "stream ended", TimeSpan.FromSeconds(15));
        Assert.Equal(streams, _generator.Process.Output.Count(EndedLine().IsMatch));
        Assert.False(_generator.Process.HasExited);
    }

    [Fact]
    public async Task Sigterm_ends_open_streams_and_the_generator_exits_without_waiting_for_them()
    {
        // Endless streams left open would hold a graceful stop until the host's 30 s shutdown timeout
        // (a container engine kills after 10 s).
        var calls = Enumerable.Range(0, 3)
            .Select(_ => _generator.Client.StreamRandomData(new StreamRequest { FrequencyMs = 100 }))
            .ToList();
        foreach (var call in calls)
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        _generator.Process.Signal(UnixSignal.SIGTERM);

        using var readTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        foreach (var call in calls)
        {
            // The server ends each stream with status OK: no more points, no error.
            while (await call.ResponseStream.MoveNext(readTimeout.Token))
            {
            }

            Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
            call.Dispose();
        }

        await ProcessSignals.WaitUntilGoneAsync(_generator.Process.ProcessId, TimeSpan.FromSeconds(15));
        await _generator.Process.WaitForLinesAsync(EndedLine().IsMatch, 3, "stream ended", TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Malformed_grpc_message_gets_a_grpc_status_and_the_server_lives_on()
    {
        // Raw bytes on the real method path: 0xFF... is not a valid NumberRequest.
        var rawBytes = Marshallers.Create(static (byte[] b) => b, static b => b);
        var method = new Method<byte[], byte[]>(MethodType.Unary, "random.RandomService", "GetRandomNumber", rawBytes, rawBytes);
        var error = await Assert.ThrowsAsync<RpcException>(() => _generator.Channel.CreateCallInvoker()
            .AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10)), [0xFF, 0xFF, 0xFF, 0xFF, 0xFF]).ResponseAsync);
        Assert.NotEqual(StatusCode.OK, error.StatusCode);
        Assert.NotEqual(StatusCode.DeadlineExceeded, error.StatusCode);

        var ok = await _generator.Client.GetRandomNumberAsync(new NumberRequest { Min = 1, Max = 2 }, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.InRange(ok.Value, 1, 2);
    }

    [Fact]
    public async Task Http1_request_is_refused_and_the_server_lives_on()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri(_generator.Process.BaseAddress, HealthEndpoints.Health));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        using var channel = GrpcChannel.ForAddress(_generator.Process.BaseAddress);
        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [GeneratedRegex(@"Stream \d+ started")]
    private static partial Regex StartedLine();

    [GeneratedRegex(@"Stream \d+ ended after \d+ points")]
    private static partial Regex EndedLine();
}
