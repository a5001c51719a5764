namespace RandomDemo.AppHost.Lifecycle;

public static class StartupErrorReporting
{
    /// <summary>
    /// Turns an <see cref="AppHostStartupException"/> that nothing handled (it reached the AppHost's
    /// entry point) into one line on standard error and the exception's exit code.
    /// </summary>
    public static IDistributedApplicationBuilder ReportStartupErrorsInOneLine(this IDistributedApplicationBuilder builder)
    {
        AppDomain.CurrentDomain.UnhandledException += static (_, e) =>
        {
            if (Find((Exception)e.ExceptionObject) is { } startupError)
            {
                Console.Error.WriteLine($"error: {startupError.Message}");
                Environment.Exit(startupError.ExitCode);
            }
        };
        return builder;
    }

    private static AppHostStartupException? Find(Exception exception) => exception switch
    {
        AppHostStartupException startupError => startupError,
        AggregateException aggregate => aggregate.InnerExceptions.Select(Find).FirstOrDefault(found => found is not null),
        _ when exception.InnerException is { } inner => Find(inner),
        _ => null,
    };
}
