using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace RandomDemo.Tests.AppHost;

/// <summary>
/// Sends the AppHost's logs, which carry every resource's console output
/// (<c>RandomDemo.AppHost.Resources.{name}</c>), to the output of the test that runs now, and to
/// the fixture's diagnostic messages between tests (start, shutdown), if it has any.
/// </summary>
public sealed partial class TestLogRouter(IMessageSink? diagnostics = null) : ILoggerProvider
{
    private const string ResourcePrefix = "RandomDemo.AppHost.Resources.";

    /// <summary>How many of the latest lines <see cref="RecentLines"/> keeps.</summary>
    private const int RecentCapacity = 5000;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _recent = new();
    private ITestOutputHelper? _output;

    /// <summary>The latest lines written, oldest first (what the AppHost's console showed, for tests to check).</summary>
    public IReadOnlyCollection<string> RecentLines => _recent;

    /// <summary>Routes lines to <paramref name="output"/> until the returned scope is disposed.</summary>
    public IDisposable RouteTo(ITestOutputHelper output)
    {
        _output = output;
        return new Route(() => Interlocked.CompareExchange(ref _output, null, output));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, Shorten(categoryName));

    public void Dispose()
    {
    }

    private void WriteLine(string line)
    {
        _recent.Enqueue(line);
        while (_recent.Count > RecentCapacity && _recent.TryDequeue(out _))
        {
        }

        if (_output is { } output)
        {
            try
            {
                output.WriteLine(line);
                return;
            }
            catch (InvalidOperationException)
            {
                // The test ended between the check and the write; the line goes to the fixture's messages.
            }
        }

        diagnostics?.OnMessage(new DiagnosticMessage(line));
    }

    /// <summary>"RandomDemo.AppHost.Resources.gateway" reads as "gateway"; anything else keeps its category.</summary>
    private static string Shorten(string category) =>
        category.StartsWith(ResourcePrefix, StringComparison.Ordinal) ? category[ResourcePrefix.Length..] : category;

    /// <summary>The colours the services' console loggers write (Aspire lets ANSI through redirection).</summary>
    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    private sealed class Logger(TestLogRouter router, string source) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.Now:HH:mm:ss.fff} [{source}] {logLevel}: {AnsiEscape().Replace(formatter(state, exception), "")}";
            router.WriteLine(exception is null ? line : $"{line}{Environment.NewLine}{exception}");
        }
    }

    private sealed class Route(Action end) : IDisposable
    {
        public void Dispose() => end();
    }
}
