namespace RandomDemo.AppHost.Lifecycle;

public static class StartupErrorReporting
{
    private static int s_registered;

    /// <summary>
    /// Turns an <see cref="AppHostStartupException"/> that nothing handled (it reached the AppHost's
    /// entry point) into one line on standard error and the exception's exit code.
    /// </summary>
    public static IDistributedApplicationBuilder ReportStartupErrorsInOneLine(this IDistributedApplicationBuilder builder)
    {
        // Once per process: Aspire's testing builder runs the entry point once per app.
        if (Interlocked.Exchange(ref s_registered, 1) == 1)
        {
            return builder;
        }

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
