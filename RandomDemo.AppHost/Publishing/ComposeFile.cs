using System.Globalization;
using RandomDemo.Contracts;
using YamlDotNet.Serialization;

namespace RandomDemo.AppHost.Publishing;

/// <summary>
/// <c>docker-compose.yaml</c> and its <c>.env</c>: one network, each service on its container port
/// (external ones published), service discovery pointed at service names, OTLP at the dashboard,
/// a healthcheck per service and <c>depends_on: service_healthy</c> for every <c>WaitFor</c>.
/// Written for docker-compose 1.29 as well as <c>docker compose</c> v2: no top-level <c>name</c>,
/// no <c>start_interval</c>, no <c>depends_on.required</c>.
/// </summary>
internal static class ComposeFile
{
    public const string FileName = "docker-compose.yaml";
    public const string EnvironmentFileName = ".env";

    private const string Network = "randomdemo";

    public static void Write(string directory, IReadOnlyList<PublishedService> services, int dashboardPort, IReadOnlyList<PublishedRedis>? redises = null)
    {
        redises ??= [];
        var composeServices = new Dictionary<string, object>();
        foreach (var redis in redises)
        {
            composeServices[redis.Name] = Redis(redis);
        }

        foreach (var service in services)
        {
            composeServices[service.Name] = Service(service);
            if (ReplicaProxy.IsNeededFor(service))
            {
                composeServices[ReplicaProxy.NameOf(service)] = Proxy(service);
                File.WriteAllText(Path.Combine(directory, ReplicaProxy.ConfigFileOf(service)), ReplicaProxy.Config(service));
            }
        }

        composeServices[PublishedDashboard.Name] = Dashboard(dashboardPort);
        var compose = new Dictionary<string, object>
        {
            ["services"] = composeServices,
            ["networks"] = new Dictionary<string, object> { [Network] = new Dictionary<string, object> { ["driver"] = "bridge" } },
        };

        // Quoted where YAML would read a string as something else ("true", "50051"), in YAML 1.1 too:
        // docker-compose 1.29 reads an unquoted "no" (redis-server --appendonly no) as false.
        var serializer = new SerializerBuilder().WithQuotingNecessaryStrings(quoteYaml1_1Strings: true).Build();
        File.WriteAllText(Path.Combine(directory, FileName), PublishOutput.GeneratedHeader + serializer.Serialize(compose));

        var variables = redises.Select(redis => $"{redis.ImageVariable}={redis.DefaultImage}")
            .Concat(services.Select(service => $"{service.ImageVariable}={service.DefaultImage}"))
            .Concat(services.Where(ReplicaProxy.IsNeededFor).Select(service => $"{PublishedService.ImageVariableOf(ReplicaProxy.NameOf(service))}={ReplicaProxy.DefaultImage}"))
            .Append($"{PublishedDashboard.ImageVariable}={PublishedDashboard.DefaultImage}");
        File.WriteAllText(Path.Combine(directory, EnvironmentFileName), PublishOutput.GeneratedHeader + string.Join('\n', variables) + '\n');
    }

    private static Dictionary<string, object> Service(PublishedService service)
    {
        // Containers reach each other on container ports over the compose network.
        var environment = service.ResolveEnvironment(PublishedService.ContainerPortOf);
        var behindProxy = ReplicaProxy.IsNeededFor(service);
        if (behindProxy)
        {
            environment["ForwardedHeaders__KnownNetworks"] = ReplicaProxy.TrustedNetworks;
        }

        var composeService = new Dictionary<string, object>
        {
            ["image"] = ImageReference(service.ImageVariable, service.DefaultImage),
            ["restart"] = "unless-stopped",
            ["environment"] = environment,
        };
        if (service.Replicas > 1)
        {
            // `scale`, not deploy.replicas: docker-compose 1.29 and compose v2 both start that many.
            composeService["scale"] = service.Replicas;
        }

        if (service.PublishedPort is int published && !behindProxy)
        {
            composeService["ports"] = new[] { PortMapping(published, service.ContainerPort) };
        }
        else
        {
            composeService["expose"] = new[] { service.ContainerPort.ToString(CultureInfo.InvariantCulture) };
        }

        // The images have no curl or grpc_health_probe: the service binary probes itself (RandomDemo.Contracts.HealthProbe).
        composeService["healthcheck"] = Healthcheck(HealthProbeCommand(service));
        if (service.WaitsFor.Count > 0)
        {
            composeService["depends_on"] = service.WaitsFor.ToDictionary(
                name => name, object (_) => new Dictionary<string, object> { ["condition"] = "service_healthy" });
        }

        composeService["networks"] = new[] { Network };
        return composeService;
    }

    /// <summary>Redis inside the network only, healthy once it answers PING.</summary>
    private static Dictionary<string, object> Redis(PublishedRedis redis) => new()
    {
        ["image"] = ImageReference(redis.ImageVariable, redis.DefaultImage),
        ["restart"] = "unless-stopped",
        ["command"] = PublishedRedis.Command,
        ["expose"] = new[] { redis.ContainerPort.ToString(CultureInfo.InvariantCulture) },
        ["healthcheck"] = Healthcheck(["CMD", .. PublishedRedis.PingCommand]),
        ["networks"] = new[] { Network },
    };

    /// <summary>nginx on the service's public port in front of its replicas, healthy once a ready replica answers through it.</summary>
    private static Dictionary<string, object> Proxy(PublishedService service)
    {
        var published = service.PublishedPort ?? throw new PublishException($"{service.Name} has no public port to put a proxy on.");
        var readiness = service.Readiness is HttpHealthProbe http
            ? http.Path
            : throw new PublishException($"{service.Name}'s health probe {service.Readiness} cannot be asked through an HTTP proxy.");
        var name = ReplicaProxy.NameOf(service);
        return new()
        {
            ["image"] = ImageReference(PublishedService.ImageVariableOf(name), ReplicaProxy.DefaultImage),
            ["restart"] = "unless-stopped",
            ["ports"] = new[] { PortMapping(published, service.ContainerPort) },
            ["volumes"] = new[] { ReplicaProxy.VolumeOf(service) },
            ["healthcheck"] = Healthcheck(["CMD", "wget", "-q", "-O", "/dev/null", $"http://127.0.0.1:{service.ContainerPort.ToString(CultureInfo.InvariantCulture)}{readiness}"]),
            ["depends_on"] = new Dictionary<string, object> { [service.Name] = new Dictionary<string, object> { ["condition"] = "service_healthy" } },
            ["networks"] = new[] { Network },
        };
    }

    /// <summary>The dashboard's UI published on <paramref name="port"/>; its OTLP receiver inside the network only.</summary>
    private static Dictionary<string, object> Dashboard(int port) => new()
    {
        ["image"] = ImageReference(PublishedDashboard.ImageVariable, PublishedDashboard.DefaultImage),
        ["restart"] = "unless-stopped",
        ["environment"] = PublishedDashboard.Environment,
        ["ports"] = new[] { PortMapping(port, ServicePorts.DashboardUi) },
        ["expose"] = new[] { ServicePorts.DashboardOtlp.ToString(CultureInfo.InvariantCulture) },
        ["networks"] = new[] { Network },
    };

    private static Dictionary<string, object> Healthcheck(string[] test) => new()
    {
        ["test"] = test,
        ["interval"] = "5s",
        ["timeout"] = "3s",
        ["retries"] = 12,
        ["start_period"] = "10s",
    };

    /// <summary>The image from the environment or <c>.env</c>, else its default (also without a <c>.env</c>).</summary>
    private static string ImageReference(string variable, string defaultImage) => $"${{{variable}:-{defaultImage}}}";

    /// <summary>The long syntax: the short "8081:8080" is a number to some YAML 1.1 readers ("22:22" is 1342).</summary>
    private static Dictionary<string, object> PortMapping(int published, int container) => new()
    {
        ["target"] = container,
        ["published"] = published,
        ["protocol"] = "tcp",
    };

    /// <summary>The service's own executable in health-probe mode (<see cref="HealthProbe"/>), which asks it over the network as any client would.</summary>
    private static string[] HealthProbeCommand(PublishedService service) => service.Readiness switch
    {
        HttpHealthProbe http => ["CMD", service.ExecutablePath, HealthProbe.Flag, HealthProbe.Http, $"http://localhost:{http.Port.ToString(CultureInfo.InvariantCulture)}{http.Path}"],
        GrpcHealthProbe grpc => ["CMD", service.ExecutablePath, HealthProbe.Flag, HealthProbe.Grpc, $"http://localhost:{grpc.Port.ToString(CultureInfo.InvariantCulture)}"],
        _ => throw new PublishException($"{service.Name}'s health probe {service.Readiness} has no compose healthcheck."),
    };
}
