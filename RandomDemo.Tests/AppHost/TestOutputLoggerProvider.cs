using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace RandomDemo.Tests.AppHost;

/// <summary>
/// Writes the AppHost's logs, and through Aspire's testing builder every resource's console output
/// (categories <c>RandomDemo.AppHost.Resources.{name}</c>), to the output of the test that runs now.
/// A shared app outlives each test, so the current test's output is swapped in by <see cref="Attach"/>.
/// </summary>
public sealed class TestOutputLoggerProvider : ILoggerProvider
{
    private volatile ITestOutputHelper? _output;

    /// <summary>Sends lines to <paramref name="output"/> until the returned scope ends.</summary>
    public IDisposable Attach(ITestOutputHelper output)
    {
        _output = output;
        return new Detach(this, output);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, ShortName(categoryName));

    public void Dispose() => _output = null;

    private static string ShortName(string category) =>
        category.Contains(".Resources.", StringComparison.Ordinal) ? category[(category.LastIndexOf('.') + 1)..] : category;

    private void Write(string line)
    {
        try
        {
            _output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test ended between the check and the write; its output takes no more lines.
        }
    }

    private sealed class Detach(TestOutputLoggerProvider provider, ITestOutputHelper output) : IDisposable
    {
        public void Dispose() => Interlocked.CompareExchange(ref provider._output, null, output);
    }

    private sealed class Logger(TestOutputLoggerProvider provider, string name) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} [{name}] {formatter(state, exception)}";
            provider.Write(exception is null ? line : $"{line}\n{exception}");
        }
    }
}
