using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace RandomDemo.Streaming.Broadcasting;

/// <summary>
/// Saves the broadcaster's <see cref="EventState"/> to Streaming:StateFile on graceful shutdown
/// and loads it at start, so event ids and replay survive a restart. Off when no file is set.
/// </summary>
internal sealed partial class EventStateFile(IOptions<StreamingOptions> options, ILogger<EventStateFile> logger)
{
    private readonly string? _path = string.IsNullOrWhiteSpace(options.Value.StateFile) ? null : Path.GetFullPath(options.Value.StateFile);

    /// <summary>The saved state, or null when there is none or it cannot be used (then the service starts fresh).</summary>
    public EventState? Load()
    {
        if (_path is null)
        {
            return null;
        }

        if (!File.Exists(_path))
        {
            LogNoState(_path);
            return null;
        }

        try
        {
            var saved = JsonSerializer.Deserialize(File.ReadAllBytes(_path), StateJsonContext.Default.SavedState)
                ?? throw new JsonException("The file holds null.");
            var state = new EventState(saved.LastEventId, [.. saved.Events.Select(e => new SseFrame(e.Id, Encoding.UTF8.GetBytes(e.Frame)))]);
            Check(state);
            LogLoaded(_path, state.LastEventId, state.Events.Count);
            return state;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidDataException)
        {
            LogUnusable(ex, _path);
            return null;
        }
    }

    /// <summary>
    /// Checks at start that the state can be saved later (its folder made, a file written there), so
    /// that an unwritable path is told now, not at shutdown when the state is lost; the service runs either way.
    /// </summary>
    public void CheckWritable()
    {
        if (_path is null)
        {
            return;
        }

        var temporary = _path + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            File.WriteAllBytes(temporary, []);
            File.Delete(temporary);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogNotWritable(_path, ex.Message);
        }
    }

    /// <summary>Writes the state to a temporary file and renames it over the old one, so a crash mid-write leaves the old file.</summary>
    public void Save(EventState state)
    {
        if (_path is null)
        {
            return;
        }

        var saved = new SavedState(state.LastEventId, [.. state.Events.Select(e => new SavedEvent(e.Id, Encoding.UTF8.GetString(e.Bytes)))]);
        var temporary = _path + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(file, saved, StateJsonContext.Default.SavedState);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, _path, overwrite: true);
            LogSaved(_path, state.LastEventId, state.Events.Count);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSaveFailed(ex, _path);
        }
    }

    /// <summary>Frames must be data frames with consecutive ids ending at or before the last id.</summary>
    private static void Check(EventState state)
    {
        if (state.LastEventId < 0)
        {
            throw new InvalidDataException($"last_event_id {state.LastEventId} is negative.");
        }

        for (var i = 0; i < state.Events.Count; i++)
        {
            var frame = state.Events[i];
            var follows = i == 0 ? frame.Id >= 1 : frame.Id == state.Events[i - 1].Id + 1;
            if (!follows || !frame.Bytes.AsSpan().StartsWith(SseFrames.IdLine(frame.Id)))
            {
                throw new InvalidDataException($"Event {i} (id {frame.Id}) is out of order or not a data frame.");
            }
        }

        if (state.Events.Count > 0 && state.Events[^1].Id != state.LastEventId)
        {
            throw new InvalidDataException($"The newest event {state.Events[^1].Id} is not last_event_id {state.LastEventId}.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No saved stream state at {Path}; event ids start at 1")]
    private partial void LogNoState(string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded stream state from {Path}: last event id {LastEventId}, {Events} events for replay")]
    private partial void LogLoaded(string path, long lastEventId, int events);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saved stream state at {Path} cannot be used; starting fresh with event id 1")]
    private partial void LogUnusable(Exception exception, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream state file {Path} cannot be written ({Reason}); the service runs, but event ids and replay will not survive a restart")]
    private partial void LogNotWritable(string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Saved stream state to {Path}: last event id {LastEventId}, {Events} events")]
    private partial void LogSaved(string path, long lastEventId, int events);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not save stream state to {Path}")]
    private partial void LogSaveFailed(Exception exception, string path);
}

internal sealed record SavedState(
    [property: JsonPropertyName("last_event_id")] long LastEventId,
    [property: JsonPropertyName("events")] SavedEvent[] Events);

internal sealed record SavedEvent(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("frame")] string Frame);

// Missing or null fields make the file unusable rather than half-loaded.
[JsonSourceGenerationOptions(RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(SavedState))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
