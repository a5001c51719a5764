using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;
using static RandomDemo.Tests.Publishing.PublishedOutput;

namespace RandomDemo.Tests.Publishing;

/// <summary>A publish of the real app model with <c>--AppHost:StreamingReplicas=3</c>.</summary>
public sealed class ScaledOutPublishedOutput : PublishedOutput
{
    public const int Replicas = 3;

    public const string Nginx = "/usr/sbin/nginx";

    protected override string[] PublishArguments => [$"--AppHost:StreamingReplicas={Replicas}"];

    /// <summary>
    /// Writes nginx's main config into <paramref name="directory"/> around the published server block
    /// (the official image's main config includes it inside <c>http { }</c>), changed only where a run on
    /// loopback differs from compose: the upstream is <paramref name="upstreams"/> (compose: the service
    /// name, resolved to every replica), and it listens on <paramref name="listen"/> when given (compose:
    /// 8085 in its own container). Returns the main config's path.
    /// </summary>
    public string WriteNginxConfig(string directory, IEnumerable<string> upstreams, string? listen = null)
    {
        Assert.True(File.Exists(Nginx), "nginx is not installed (scripts/install-prerequisites.sh installs nginx-light)");
        var config = File.ReadAllText(Path.Combine(Directory, "streaming.nginx.conf"));
        var upstream = $"server streaming:{ServicePorts.Streaming};";
        var published = $"listen {ServicePorts.Streaming};";
        Assert.Contains(upstream, config);
        Assert.Contains(published, config);
        config = config.Replace(upstream, string.Join("\n    ", upstreams.Select(address => $"server {address};")));
        if (listen is not null)
        {
            config = config.Replace(published, $"listen {listen};");
        }

        File.WriteAllText(Path.Combine(directory, "streaming.conf"), config);
        var main = Path.Combine(directory, "nginx.conf");
        File.WriteAllText(main, $$"""
            daemon off;
            pid {{directory}}/nginx.pid;
            error_log stderr;
            events {}
            http {
                access_log off;
                client_body_temp_path {{directory}}/body;
                proxy_temp_path {{directory}}/proxy;
                include {{directory}}/streaming.conf;
            }

            """);
        return main;
    }
}

/// <summary>
/// The scaled-out output: Redis (Aspire's image) beside the services, streaming's replicas pointed at
/// it; in compose behind nginx on the one public port, in Kubernetes behind their one Service.
/// </summary>
public sealed partial class ScaledOutPublishingTests(ScaledOutPublishedOutput published) : IClassFixture<ScaledOutPublishedOutput>
{
    private const string Redis = "events";
    private const string Proxy = "streaming-proxy";
    private const string ProxyConfig = "streaming.nginx.conf";

    [Fact]
    public void Compose_has_redis_and_a_proxy_beside_the_services()
    {
        var names = published.ComposeServices.Children.Keys.Select(key => ((YamlScalarNode)key).Value).Order();
        Assert.Equal(["dashboard", Redis, ServiceNames.Gateway, ServiceNames.Generator, ServiceNames.Streaming, Proxy], names);
    }

    [Fact]
    public void Redis_is_aspires_image_inside_the_network_healthy_on_ping_without_persistence()
    {
        var redis = published.ComposeService(Redis);
        Assert.Equal($"${{EVENTS_IMAGE:-{PublishModeModel.AspiresRedisImage()}}}", redis.Children["image"].ToString());
        Assert.Equal(PublishModeModel.AspiresRedisImage(), published.EnvironmentFile["EVENTS_IMAGE"]);
        Assert.False(redis.Children.ContainsKey("ports"));
        Assert.Equal(["6379"], Sequence(redis.Children["expose"]));
        Assert.Equal(["CMD", "redis-cli", "ping"], Sequence(((YamlMappingNode)redis.Children["healthcheck"]).Children["test"]));
        Assert.Equal(["redis-server", "--save", "", "--appendonly", "no"], Sequence(redis.Children["command"]));
    }

    [Fact]
    public void Streaming_runs_its_replicas_on_redis_with_no_host_port()
    {
        var streaming = published.ComposeService(ServiceNames.Streaming);
        Assert.Equal(ScaledOutPublishedOutput.Replicas.ToString(), streaming.Children["scale"].ToString());
        Assert.False(streaming.Children.ContainsKey("ports"));
        Assert.Equal([ServicePorts.Streaming.ToString()], Sequence(streaming.Children["expose"]));

        var environment = Mapping(streaming.Children["environment"]);
        Assert.Equal("events:6379", environment["ConnectionStrings__events"]);
        Assert.Equal("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16", environment["ForwardedHeaders__KnownNetworks"]);
        Assert.DoesNotContain(environment.Keys, key => key.Contains("StateFile"));
        var dependsOn = (YamlMappingNode)streaming.Children["depends_on"];
        Assert.Equal("service_healthy", Mapping(dependsOn.Children[Redis])["condition"]);
    }

    [Fact]
    public void The_proxy_publishes_the_one_streaming_port_with_its_config_mounted_read_only()
    {
        var proxy = published.ComposeService(Proxy);
        var port = Mapping(Assert.Single(((YamlSequenceNode)proxy.Children["ports"]).Children));
        Assert.Equal(ServicePorts.Streaming.ToString(), port["published"]);
        Assert.Equal(ServicePorts.Streaming.ToString(), port["target"]);
        Assert.Equal([$"./{ProxyConfig}:/etc/nginx/conf.d/default.conf:ro"], Sequence(proxy.Children["volumes"]));
        Assert.True(File.Exists(Path.Combine(published.Directory, ProxyConfig)));
        Assert.StartsWith("docker.io/library/nginx:", published.EnvironmentFile["STREAMING_PROXY_IMAGE"]);
        Assert.Equal("service_healthy", Mapping(((YamlMappingNode)proxy.Children["depends_on"]).Children[ServiceNames.Streaming])["condition"]);
        Assert.Contains($"http://127.0.0.1:{ServicePorts.Streaming}{HealthEndpoints.Health}", Sequence(((YamlMappingNode)proxy.Children["healthcheck"]).Children["test"]));
    }

    [Fact]
    public async Task The_proxy_config_streams_unbuffered_over_http_1_1_and_names_the_client()
    {
        var config = await File.ReadAllTextAsync(Path.Combine(published.Directory, ProxyConfig));
        Assert.Contains($"server streaming:{ServicePorts.Streaming};", config);
        Assert.Contains($"listen {ServicePorts.Streaming};", config);
        Assert.Contains("proxy_buffering off;", config);
        Assert.Contains("proxy_http_version 1.1;", config);
        Assert.Contains("proxy_read_timeout 1h;", config);
        Assert.Contains("proxy_set_header X-Forwarded-For $remote_addr;", config);
    }

    [Fact]
    public async Task Nginx_accepts_the_proxy_config()
    {
        using var scratch = new TemporaryDirectory("randomdemo-nginx-");
        // Checked as written but for the upstream's host: "streaming" resolves on the compose network
        // only, and nginx -t resolves it (at start nginx resolves it to every replica).
        var config = published.WriteNginxConfig(scratch.Path, [$"127.0.0.1:{ServicePorts.Streaming}"]);

        var check = await StartedProcess.RunAsync(ScaledOutPublishedOutput.Nginx, "-t", "-p", scratch.Path, "-c", config);

        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("test is successful", check.Output);
    }

    [Fact]
    public async Task Docker_compose_accepts_the_file()
    {
        var check = await published.CheckComposeFileAsync();

        Assert.True(check.ExitCode == 0, $"docker-compose config -q exited {check.ExitCode}: {check.Output}");
    }

    [Fact]
    public void Kubernetes_runs_the_replicas_behind_the_one_streaming_service()
    {
        var streaming = Assert.Single(published.Deployments, deployment => deployment.Metadata.Name == ServiceNames.Streaming);
        Assert.Equal(ScaledOutPublishedOutput.Replicas, streaming.Spec.Replicas);
        var service = Assert.Single(published.Services, service => service.Metadata.Name == ServiceNames.Streaming);
        Assert.Equal("LoadBalancer", service.Spec.Type);
        Assert.Equal(ServicePorts.Streaming, Assert.Single(service.Spec.Ports).Port);
        var environment = Assert.Single(streaming.Spec.Template.Spec.Containers).Env;
        Assert.Equal("events:6379", Assert.Single(environment, variable => variable.Name == "ConnectionStrings__events").Value);
    }

    [Fact]
    public void Kubernetes_has_redis_as_a_cluster_internal_deployment_probed_with_ping()
    {
        var deployment = Assert.Single(published.Deployments, deployment => deployment.Metadata.Name == Redis);
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.Equal(PublishModeModel.AspiresRedisImage(), container.Image);
        Assert.Equal(["redis-cli", "ping"], container.ReadinessProbe.Exec.Command);
        Assert.Equal(["redis-cli", "ping"], container.LivenessProbe.Exec.Command);
        var service = Assert.Single(published.Services, service => service.Metadata.Name == Redis);
        Assert.Equal("ClusterIP", service.Spec.Type);
        Assert.Equal(6379, Assert.Single(service.Spec.Ports).Port);
        Assert.True(service.Spec.Selector.All(label => deployment.Spec.Template.Metadata.Labels[label.Key] == label.Value));
    }

    [Fact]
    public async Task Every_manifest_passes_the_kubernetes_schema_validator()
    {
        var validation = await published.ValidateKubernetesManifestsAsync();

        Assert.True(validation.ExitCode == 0, validation.Output);
    }

    /// <summary>A directory of the test's own, deleted with everything in it.</summary>
    private sealed class TemporaryDirectory(string prefix) : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
