using RandomDemo.Hosting;
using RandomDemo.Hosting.ApplicationModel;
using RandomDemo.Hosting.Orchestration;

namespace RandomDemo.Tests.Hosting;

/// <summary>The app model and what the orchestrator derives from it, without starting a process.</summary>
public sealed class AppModelTests
{
    [Fact]
    public void AddProject_gives_an_implicit_http_endpoint_that_a_declared_endpoint_replaces()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var generator = builder.AddProject<Projects.RandomDemo_Generator>("generator");
        var gateway = builder.AddProject<Projects.RandomDemo_Gateway>("gateway").WithHttpEndpoint(port: 8081);

        var implicitEndpoint = Assert.Single(generator.Resource.GetEndpoints());
        Assert.Equal(("http", "http", null, true), (implicitEndpoint.Name, implicitEndpoint.UriScheme, implicitEndpoint.Port, implicitEndpoint.IsImplicit));
        var declared = Assert.Single(gateway.Resource.GetEndpoints());
        Assert.Equal(("http", 8081, false), (declared.Name, declared.Port, declared.IsImplicit));
    }

    [Fact]
    public void Declaring_an_endpoint_name_twice_throws()
    {
        var gateway = DistributedApplication.CreateBuilder([]).AddProject<Projects.RandomDemo_Gateway>("gateway").WithHttpEndpoint(port: 8081);

        var error = Assert.Throws<DistributedApplicationException>(() => gateway.WithHttpEndpoint(port: 9000));
        Assert.Contains("'http' already exists", error.Message, StringComparison.Ordinal);
        gateway.WithHttpEndpoint(port: 9000, name: "admin");
        Assert.Equal(["http", "admin"], gateway.Resource.GetEndpoints().Select(e => e.Name));
    }

    [Fact]
    public void WithExternalHttpEndpoints_marks_the_http_endpoints_external()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var generator = builder.AddProject<Projects.RandomDemo_Generator>("generator");
        var gateway = builder.AddProject<Projects.RandomDemo_Gateway>("gateway").WithHttpEndpoint(port: 8081).WithExternalHttpEndpoints();

        Assert.False(generator.Resource.GetEndpoints()[0].IsExternal);
        Assert.True(gateway.Resource.GetEndpoints()[0].IsExternal);
    }

    [Theory]
    [InlineData("generator")]
    [InlineData("GENERATOR")]
    public void A_resource_name_is_unique(string secondName)
    {
        var builder = DistributedApplication.CreateBuilder([]);
        builder.AddProject<Projects.RandomDemo_Generator>("generator");

        Assert.Throws<DistributedApplicationException>(() => builder.AddProject<Projects.RandomDemo_Gateway>(secondName));
        Assert.Throws<ArgumentException>(() => builder.AddProject<Projects.RandomDemo_Gateway>("not a name"));
    }

    [Fact]
    public void The_environment_has_service_discovery_urls_and_telemetry_settings()
    {
        var (generator, gateway) = GatewayReferencingGenerator();

        var environment = ResourceEnvironment.Build(gateway, "abcdefgh", otlpEndpoint: null);

        Assert.Equal("http://localhost:8081", environment["ASPNETCORE_URLS"]);
        Assert.Equal("http://localhost:50123", environment["services__generator__http__0"]);
        Assert.Equal("http://localhost:50123", environment["GENERATOR_HTTP"]);
        Assert.Equal("gateway", environment["OTEL_SERVICE_NAME"]);
        Assert.Equal("service.instance.id=abcdefgh", environment["OTEL_RESOURCE_ATTRIBUTES"]);
        Assert.Equal("Development", environment["ASPNETCORE_ENVIRONMENT"]);
        Assert.Equal("simple", environment["LOGGING__CONSOLE__FORMATTERNAME"]);
        Assert.Equal("true", environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"]);
        Assert.Equal("1000", environment["OTEL_BSP_SCHEDULE_DELAY"]);
        Assert.Equal("always_on", environment["OTEL_TRACES_SAMPLER"]);
        Assert.Equal("custom", environment["EXTRA"]);

        // No receiver configured: the variable is removed, not pointed at a port nobody listens on.
        Assert.True(environment.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"));
        Assert.Null(environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.DoesNotContain(environment.Keys, key => key.StartsWith("services__gateway", StringComparison.Ordinal));
        Assert.DoesNotContain(ResourceEnvironment.Build(generator, "abcdefgh", null).Keys, key => key.StartsWith("services__", StringComparison.Ordinal));
    }

    [Fact]
    public void The_OTLP_endpoint_is_passed_on_when_the_AppHost_has_one()
    {
        var (_, gateway) = GatewayReferencingGenerator();

        var environment = ResourceEnvironment.Build(gateway, "abcdefgh", otlpEndpoint: "http://localhost:4317");

        Assert.Equal("http://localhost:4317", environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("grpc", environment["OTEL_EXPORTER_OTLP_PROTOCOL"]);
    }

    [Fact]
    public void Instance_ids_are_eight_lower_case_letters()
    {
        var id = ResourceEnvironment.NewInstanceId();

        Assert.Matches("^[a-z]{8}$", id);
        Assert.NotEqual(id, ResourceEnvironment.NewInstanceId());
    }

    [Fact]
    public void Projects_metadata_is_generated_from_the_AppHost_project_references()
    {
        IProjectMetadata[] projects = [new Projects.RandomDemo_AppHost(), new Projects.RandomDemo_Generator(), new Projects.RandomDemo_Gateway(), new Projects.RandomDemo_Streaming()];

        foreach (var project in projects)
        {
            var name = Path.GetFileNameWithoutExtension(project.ProjectPath);
            Assert.Equal(name.Replace('.', '_'), project.GetType().Name);
            Assert.True(File.Exists(project.ProjectPath), project.ProjectPath);
            Assert.True(File.Exists(project.TargetPath), $"{name} is built with the AppHost: {project.TargetPath}");
            Assert.Equal(name + ".dll", Path.GetFileName(project.TargetPath));
        }
    }

    [Fact]
    public async Task WithReplicas_is_part_of_the_model_and_refused_at_start()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var generator = builder.AddProject<Projects.RandomDemo_Generator>("generator").WithReplicas(2);
        Assert.Equal(2, Assert.Single(generator.Resource.OfAnnotation<ReplicaAnnotation>()).Replicas);

        await using var app = builder.Build();
        var error = await Assert.ThrowsAsync<NotSupportedException>(() => app.StartAsync());
        Assert.Contains("generator", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus=1", "unknown argument '--bogus=1'")]
    [InlineData("stray", "unexpected argument 'stray'")]
    [InlineData("--Ports:gateway", "missing value for argument '--Ports:gateway'")]
    [InlineData("--Ports:gateway=http", "invalid value in 'Ports:gateway=http'")]
    [InlineData("--Ports:gateway=70000", "invalid value in 'Ports:gateway=70000'")]
    [InlineData("--Ports:nobody=1234", "unknown resource in 'Ports:nobody'")]
    [InlineData("--Ports:gateway:admin=1234", "unknown endpoint in 'Ports:gateway:admin'")]
    public async Task Bad_arguments_fail_the_start_with_exit_code_2_and_name_the_argument(string argument, string message)
    {
        var builder = DistributedApplication.CreateBuilder([argument]);
        builder.AddProject<Projects.RandomDemo_Gateway>("gateway").WithHttpEndpoint(port: 8081);
        await using var app = builder.Build();

        var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync());

        Assert.Equal(2, error.ExitCode);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Restart_delays_double_from_one_second_up_to_a_cap_and_start_again_after_a_stable_run()
    {
        var backoff = new RestartBackoff();
        var crashAtOnce = TimeSpan.Zero;

        var delays = Enumerable.Range(0, 7).Select(_ => backoff.Next(crashAtOnce).TotalSeconds).ToList();

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], delays);
        Assert.Equal(1, backoff.Next(RestartBackoff.StableRun).TotalSeconds);
    }

    private static (ProjectResource Generator, ProjectResource Gateway) GatewayReferencingGenerator()
    {
        var builder = DistributedApplication.CreateBuilder([]);
        var generator = builder.AddProject<Projects.RandomDemo_Generator>("generator");
        var gateway = builder.AddProject<Projects.RandomDemo_Gateway>("gateway")
            .WithReference(generator).WaitFor(generator)
            .WithHttpEndpoint(port: 8081)
            .WithEnvironment("EXTRA", "custom");
        generator.Resource.GetEndpoints()[0].AllocatedEndpoint = new AllocatedEndpoint("http", "localhost", 50123);
        gateway.Resource.GetEndpoints()[0].AllocatedEndpoint = new AllocatedEndpoint("http", "localhost", 8081);
        return (generator.Resource, gateway.Resource);
    }
}
