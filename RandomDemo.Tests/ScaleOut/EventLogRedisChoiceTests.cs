using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using RandomDemo.AppHost.Lifecycle;
using RandomDemo.AppHost.ScaleOut;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;
using RandomDemo.Tests.Publishing;

namespace RandomDemo.Tests.ScaleOut;

/// <summary>
/// AppHost:EventLogRedis on the AppHost's real model, built (never started) by Aspire's testing
/// builder: which Redis streaming references, and what reaches streaming as its connection string.
/// </summary>
public sealed class EventLogRedisChoiceTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Container_is_aspires_redis_with_its_password_in_the_connection_string()
    {
        await using var app = await BuildAsync("--AppHost:StreamingReplicas=3", "--AppHost:EventLogRedis=container");

        var events = AssertStreamingReferences<RedisResource>(app, replicas: 3);
        Assert.NotNull(events.PasswordParameter);
        // StackExchange.Redis reads the password from the configuration string itself (then ",ssl=true" only with TLS, which is off).
        Assert.StartsWith("{events.bindings.tcp.host}:{events.bindings.tcp.port},password={events-password.value}", events.ConnectionStringExpression.ValueExpression);
        Assert.Empty(Model(app).Resources.OfType<RedisServerResource>());
    }

    [Fact]
    public async Task Process_is_redis_server_as_an_executable()
    {
        await using var app = await BuildAsync("--AppHost:StreamingReplicas=3", "--AppHost:EventLogRedis=process");

        var events = AssertStreamingReferences<RedisServerResource>(app, replicas: 3);
        Assert.Equal("redis-server", events.Command);
        Assert.Empty(Model(app).Resources.OfType<RedisResource>());
    }

    [Fact]
    public async Task Process_is_the_default_and_names_redis_server_as_required()
    {
        await using var app = await BuildAsync("--AppHost:StreamingReplicas=3");

        var events = AssertStreamingReferences<RedisServerResource>(app, replicas: 3);
#pragma warning disable ASPIRECOMMAND001 // Experimental; how Aspire reports a missing program before the start.
        Assert.Contains(events.Annotations.OfType<RequiredCommandAnnotation>(), required => required.Command == "redis-server");
#pragma warning restore ASPIRECOMMAND001
    }

    [Fact]
    public async Task One_replica_has_no_redis_whatever_the_setting_and_keeps_its_state_file()
    {
        await using var app = await BuildAsync("--AppHost:EventLogRedis=container");

        Assert.DoesNotContain(Model(app).Resources, resource => resource is RedisResource or RedisServerResource);
        Assert.Contains("Streaming__StateFile", await EnvironmentOfAsync(app, Streaming(app)));
    }

    [Fact]
    public async Task Replicas_have_no_state_file()
    {
        await using var app = await BuildAsync("--AppHost:StreamingReplicas=3", "--AppHost:EventLogRedis=process");

        Assert.DoesNotContain("Streaming__StateFile", await EnvironmentOfAsync(app, Streaming(app)));
    }

    [Theory]
    [InlineData("docker")]
    // The setting once had a third value that asked the container runtime; it is a bad value now.
    [InlineData("auto")]
    public async Task A_bad_value_stops_the_model_naming_the_setting(string value)
    {
        var error = await Assert.ThrowsAsync<AppHostStartupException>(() => BuildAsync("--AppHost:StreamingReplicas=3", $"--AppHost:EventLogRedis={value}"));

        Assert.Equal($"--AppHost:EventLogRedis must be process or container, not '{value}'.", error.Message);
        Assert.Equal(AppHostStartupException.BadArgumentExitCode, error.ExitCode);
    }

    [Fact]
    public async Task A_bad_value_is_one_line_and_exit_code_2_from_the_apphost()
    {
        // Free ports, in case the check ever let it start: nothing on the documented ones.
        var run = await StartedProcess.RunAsync(new Dictionary<string, string>(), BuildTimeout,
            "dotnet", Repository.BuildOutput("RandomDemo.AppHost"),
            $"--Ports:generator={LoopbackPort.Free()}", $"--Ports:gateway={LoopbackPort.Free()}", $"--Ports:streaming={LoopbackPort.Free()}",
            "--AppHost:StreamingReplicas=3", "--AppHost:EventLogRedis=sometimes");

        Assert.Equal(AppHostStartupException.BadArgumentExitCode, run.ExitCode);
        Assert.Equal(["error: --AppHost:EventLogRedis must be process or container, not 'sometimes'."], run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static T AssertStreamingReferences<T>(DistributedApplication app, int replicas)
        where T : class, IResourceWithConnectionString
    {
        var events = Assert.IsType<T>(Assert.Single(Model(app).Resources, resource => resource.Name == StreamingScaleOutExtensions.EventLogName));
        var streaming = Streaming(app);
        Assert.Equal(replicas, streaming.Annotations.OfType<ReplicaAnnotation>().Last().Replicas);
        Assert.Contains(streaming.Annotations.OfType<WaitAnnotation>(), wait => ReferenceEquals(wait.Resource, events) && wait.WaitType == WaitType.WaitUntilHealthy);
        var connectionString = Assert.IsType<ConnectionStringReference>(EnvironmentOfAsync(app, streaming).GetAwaiter().GetResult()["ConnectionStrings__events"]);
        Assert.Same(events, connectionString.Resource);
        return events;
    }

    private static DistributedApplicationModel Model(DistributedApplication app) => app.Services.GetRequiredService<DistributedApplicationModel>();

    private static ProjectResource Streaming(DistributedApplication app) =>
        Model(app).Resources.OfType<ProjectResource>().Single(resource => resource.Name == ServiceNames.Streaming);

    /// <summary>The environment as the model's callbacks write it, values unresolved (nothing is allocated: the app never starts).</summary>
    private static async Task<Dictionary<string, object>> EnvironmentOfAsync(DistributedApplication app, IResource resource)
    {
        var environment = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(app.Services.GetRequiredService<DistributedApplicationExecutionContext>(), resource, environment);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return environment;
    }

    private static async Task<DistributedApplication> BuildAsync(params string[] arguments)
    {
        using var timeout = new CancellationTokenSource(BuildTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.RandomDemo_AppHost>(
            [.. arguments.Select(argument => argument.TrimStart('-')), "Logging:Console:LogLevel:Default=None"], timeout.Token);
        return await builder.BuildAsync(timeout.Token);
    }
}
