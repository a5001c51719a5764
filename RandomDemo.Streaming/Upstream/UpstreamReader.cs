using Grpc.Core;
using Microsoft.Extensions.Options;
using RandomDemo.Contracts;
using RandomDemo.Streaming.EventLog;

namespace RandomDemo.Streaming.Upstream;

/// <summary>
/// Holds the one StreamRandomData call that feeds every client, from start-up to shutdown:
/// when it breaks (or cannot be opened) it is opened again after a backoff delay, forever. Each
/// point goes to the event log; with a shared log every replica holds its stream, so the replica
/// that takes over as producer has one open already.
/// </summary>
internal sealed partial class UpstreamReader(
    RandomService.RandomServiceClient client,
    IEventLog eventLog,
    UpstreamStatus status,
    IOptions<UpstreamOptions> options,
    TimeProvider time,
    ILogger<UpstreamReader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var backoff = new BackoffPolicy(settings.InitialBackoff, settings.MaxBackoff, Random.Shared);
        var request = new StreamRequest
        {
            DataType = settings.DataType,
            FrequencyMs = settings.FrequencyMs,
            MinValue = settings.MinValue,
            MaxValue = settings.MaxValue,
            // Back-filled points are old data: on a reconnect they would repeat what clients already have.
            HistorySize = settings.HistorySize,
        };

        LogConnecting(settings.DataType, settings.FrequencyMs);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (await ReadStreamAsync(request, backoff, stoppingToken))
            {
                request.HistorySize = 0;
            }

            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            status.OnStreamLost();
            var delay = backoff.NextDelay();
            LogRetrying(delay.TotalMilliseconds, status.StateName);
            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// Reads one stream until it ends, fails, or stalls (no point for <see cref="StallTimeout"/>:
    /// a generator that hangs or a half-open connection); true when it delivered at least one point.
    /// </summary>
    private async Task<bool> ReadStreamAsync(StreamRequest request, BackoffPolicy backoff, CancellationToken stoppingToken)
    {
        var established = false;
        var stallTimeout = StallTimeout(request.FrequencyMs);
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        stalled.CancelAfter(stallTimeout);
        try
        {
            // No deadline: the stream is meant to last for the life of the service.
            using var call = client.StreamRandomData(request, cancellationToken: stalled.Token);
            await foreach (var point in call.ResponseStream.ReadAllAsync(stalled.Token))
            {
                stalled.CancelAfter(stallTimeout);
                if (!established)
                {
                    established = true;
                    status.OnStreamEstablished();
                    backoff.Reset();
                    LogEstablished(status.Reconnects);
                }

                status.OnPointReceived();
                await eventLog.AppendAsync(point, stalled.Token);
            }

            LogEnded();
        }
        catch (Exception) when (stalled.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            LogStalled(stallTimeout.TotalSeconds);
        }
        catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogBroken(ex.StatusCode, ex.Status.Detail);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // Whatever breaks one stream must not end the reader: the service stays up and retries.
            LogFailed(ex);
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the call was cancelled.
        }

        return established;
    }

    /// <summary>Silence longer than a few periods (and at least a few seconds) means the stream is dead.</summary>
    private static TimeSpan StallTimeout(int frequencyMs) => TimeSpan.FromMilliseconds((3.0 * frequencyMs) + 5000);

    [LoggerMessage(Level = LogLevel.Information, Message = "Opening the upstream stream: {DataType} every {FrequencyMs} ms")]
    private partial void LogConnecting(DataType dataType, int frequencyMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upstream stream established (reconnects so far: {Reconnects})")]
    private partial void LogEstablished(long reconnects);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream stream ended by the generator")]
    private partial void LogEnded();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream stream stalled: no point for {Seconds:F1} s")]
    private partial void LogStalled(double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream stream failed: {StatusCode} {Detail}")]
    private partial void LogBroken(StatusCode statusCode, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upstream stream failed unexpectedly")]
    private partial void LogFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upstream {State}: next attempt in {DelayMs:F0} ms")]
    private partial void LogRetrying(double delayMs, string state);
}
