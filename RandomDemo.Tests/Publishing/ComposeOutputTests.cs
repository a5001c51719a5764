using System.Diagnostics;
using System.Xml.Linq;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;
using static RandomDemo.Tests.Publishing.PublishedOutput;

namespace RandomDemo.Tests.Publishing;

/// <summary>The compose output of a real publish: its structure, and docker-compose's own check of it.</summary>
public sealed class ComposeOutputTests(PublishedOutput published) : IClassFixture<PublishedOutput>
{
    private static readonly string[] AppServices = [ServiceNames.Generator, ServiceNames.Gateway, ServiceNames.Streaming];

    [Fact]
    public void Every_app_model_project_and_the_dashboard_is_a_service_on_one_network()
    {
        var names = published.ComposeServices.Children.Keys.Select(key => ((YamlScalarNode)key).Value).Order();
        Assert.Equal([.. AppServices.Append("dashboard").Order()], names);
        var network = Assert.Single(((YamlMappingNode)published.Compose.Children["networks"]).Children).Key.ToString();
        Assert.All(published.ComposeServices.Children.Values, service => Assert.Equal([network], Sequence(((YamlMappingNode)service).Children["networks"])));
    }

    [Theory]
    [InlineData(ServiceNames.Gateway, ServicePorts.Gateway, ServicePorts.GatewayContainer)]
    [InlineData(ServiceNames.Streaming, ServicePorts.Streaming, ServicePorts.Streaming)]
    [InlineData("dashboard", ServicePorts.DashboardUi, ServicePorts.DashboardUi)]
    public void Public_services_are_published_on_their_documented_ports(string name, int publishedPort, int container)
    {
        var port = Mapping(Assert.Single(((YamlSequenceNode)published.ComposeService(name).Children["ports"]).Children));
        Assert.Equal(publishedPort.ToString(), port["published"]);
        Assert.Equal(container.ToString(), port["target"]);
    }

    [Fact]
    public void Generator_is_reachable_inside_the_network_only()
    {
        var generator = published.ComposeService(ServiceNames.Generator);
        Assert.False(generator.Children.ContainsKey("ports"));
        Assert.Equal([ServicePorts.Generator.ToString()], Sequence(generator.Children["expose"]));
    }

    [Theory]
    [InlineData(ServiceNames.Gateway, ServicePorts.GatewayContainer)]
    [InlineData(ServiceNames.Streaming, ServicePorts.Streaming)]
    [InlineData(ServiceNames.Generator, ServicePorts.Generator)]
    public void Each_service_listens_on_its_container_port(string name, int container)
    {
        Assert.Equal(container.ToString(), Mapping(published.ComposeService(name).Children["environment"])["HTTP_PORTS"]);
    }

    [Theory]
    [InlineData(ServiceNames.Gateway)]
    [InlineData(ServiceNames.Streaming)]
    public void WaitFor_becomes_depends_on_service_healthy(string name)
    {
        var dependsOn = (YamlMappingNode)published.ComposeService(name).Children["depends_on"];
        var (dependency, condition) = Assert.Single(dependsOn.Children);
        Assert.Equal(ServiceNames.Generator, dependency.ToString());
        Assert.Equal("service_healthy", Mapping(condition)["condition"]);
    }

    [Theory]
    [InlineData(ServiceNames.Gateway)]
    [InlineData(ServiceNames.Streaming)]
    public void Service_discovery_points_at_the_generator_service_name(string name)
    {
        var environment = Mapping(published.ComposeService(name).Children["environment"]);
        Assert.Equal($"http://generator:{ServicePorts.Generator}", environment["services__generator__http__0"]);
        Assert.DoesNotContain(environment.Values, value => value.Contains('{') || value.Contains("localhost"));
    }

    [Fact]
    public void Every_service_sends_its_telemetry_to_the_dashboard()
    {
        Assert.All(AppServices, name =>
        {
            var environment = Mapping(published.ComposeService(name).Children["environment"]);
            Assert.Equal($"http://dashboard:{ServicePorts.DashboardOtlp}", environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.Equal(name, environment["OTEL_SERVICE_NAME"]);
        });
        Assert.Equal([ServicePorts.DashboardOtlp.ToString()], Sequence(published.ComposeService("dashboard").Children["expose"]));
    }

    [Theory]
    [InlineData(ServiceNames.Generator, "/app/RandomDemo.Generator", "grpc", "http://localhost:50051")]
    [InlineData(ServiceNames.Gateway, "/app/RandomDemo.Gateway", "http", "http://localhost:8080" + HealthEndpoints.Health)]
    [InlineData(ServiceNames.Streaming, "/app/RandomDemo.Streaming", "http", "http://localhost:8085" + HealthEndpoints.Health)]
    public void Every_service_has_a_healthcheck_that_runs_its_own_health_probe(string name, string executable, string kind, string url)
    {
        var healthcheck = (YamlMappingNode)published.ComposeService(name).Children["healthcheck"];
        Assert.Equal(["CMD", executable, HealthProbe.Flag, kind, url], Sequence(healthcheck.Children["test"]));
        Assert.True(healthcheck.Children.ContainsKey("interval") && healthcheck.Children.ContainsKey("retries"));
    }

    [Fact]
    public void Every_service_restarts_unless_stopped()
    {
        Assert.All(published.ComposeServices.Children.Values, service => Assert.Equal("unless-stopped", ((YamlMappingNode)service).Children["restart"].ToString()));
    }

    [Fact]
    public void Images_are_variables_whose_defaults_are_in_the_env_file()
    {
        foreach (var name in AppServices.Append("dashboard"))
        {
            var variable = $"{name.ToUpperInvariant()}_IMAGE";
            var image = published.ComposeService(name).Children["image"].ToString();
            Assert.Equal($"${{{variable}:-{published.EnvironmentFile[variable]}}}", image);
        }

        Assert.Equal("randomdemo-gateway:latest", published.EnvironmentFile["GATEWAY_IMAGE"]);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspire-dashboard:", published.EnvironmentFile["DASHBOARD_IMAGE"]);
    }

    [Theory]
    [InlineData(ServiceNames.Generator, "RandomDemo.Generator")]
    [InlineData(ServiceNames.Gateway, "RandomDemo.Gateway")]
    [InlineData(ServiceNames.Streaming, "RandomDemo.Streaming")]
    public void Default_images_are_the_ones_the_image_build_names(string name, string project)
    {
        // scripts/build-images.sh builds ContainerRepository:latest for every project that names one.
        var projectFile = XDocument.Load(Path.Combine(Repository.Root, project, project + ".csproj"));
        var repository = projectFile.Descendants("ContainerRepository").Single().Value;
        Assert.Equal($"{repository}:latest", published.EnvironmentFile[$"{name.ToUpperInvariant()}_IMAGE"]);
    }

    [Fact]
    public async Task Docker_compose_accepts_the_file()
    {
        var check = await published.CheckComposeFileAsync();

        Assert.True(check.ExitCode == 0, $"docker-compose config -q exited {check.ExitCode}: {check.Output}");
    }
}
