using Microsoft.Extensions.Logging;
using RandomDemo.Hosting.ApplicationModel;

namespace RandomDemo.Hosting.Orchestration;

/// <summary>The AppHost's own log messages, written as lines of the "apphost" resource beside the services' output.</summary>
internal sealed class ResourceLogLoggerProvider(ResourceLoggerService logs) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new AppHostLogger(logs);

    public void Dispose()
    {
    }

    private sealed class AppHostLogger(ResourceLoggerService logs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var prefix = logLevel switch
            {
                LogLevel.Warning => "warn: ",
                LogLevel.Error => "fail: ",
                LogLevel.Critical => "crit: ",
                _ => "",
            };
            var message = formatter(state, exception);
            var isError = logLevel >= LogLevel.Error;
            logs.Write(ResourceLoggerService.AppHostResourceName, prefix + message, isError);
            if (exception is not null)
            {
                logs.Write(ResourceLoggerService.AppHostResourceName, exception.ToString(), isError);
            }
        }
    }
}
