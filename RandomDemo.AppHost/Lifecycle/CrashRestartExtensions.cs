using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace RandomDemo.AppHost.Lifecycle;

public static class CrashRestartExtensions
{
    /// <summary>Configuration section of <see cref="CrashRestartOptions"/>, e.g. <c>AppHost:CrashRestart:MaxDelay</c>.</summary>
    public const string Section = "AppHost:CrashRestart";

    /// <summary>
    /// Restarts a project that crashes (exits with a non-zero code while the AppHost runs) through
    /// Aspire's own start command, after a delay that doubles with each crash in a row up to a cap.
    /// Each restart is told on the AppHost console and in the resource's console log, and counted in
    /// the resource's <see cref="CrashRestarter.RestartsProperty"/> property on the dashboard.
    /// </summary>
    public static IDistributedApplicationBuilder AddCrashRestarts(this IDistributedApplicationBuilder builder)
    {
        builder.Services.AddOptions<CrashRestartOptions>().Bind(builder.Configuration.GetSection(Section));
        if (builder.ExecutionContext.IsRunMode)
        {
            builder.Services.AddHostedService<CrashRestarter>();
        }

        return builder;
    }
}

public sealed class CrashRestartOptions
{
    /// <summary>Wait before the first restart after a crash.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The cap on the wait, which doubles with every crash in a row.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A run at least this long ends a run of crashes: the next crash waits <see cref="InitialDelay"/> again.</summary>
    public TimeSpan StableAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The wait before restart number <paramref name="crashesInARow"/> (1-based).</summary>
    public TimeSpan DelayBefore(int crashesInARow)
    {
        var doublings = Math.Min(crashesInARow - 1, 30);
        var delay = InitialDelay * Math.Pow(2, doublings);
        return delay < MaxDelay ? delay : MaxDelay;
    }
}
