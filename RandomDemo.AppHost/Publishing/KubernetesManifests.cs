using k8s;
using k8s.Models;
using RandomDemo.Contracts;

namespace RandomDemo.AppHost.Publishing;

/// <summary>
/// <c>k8s/NAME.yaml</c> per service (and the dashboard): a Deployment with probes, requests and limits,
/// and a Service; external endpoints become a LoadBalancer on the published port, the rest ClusterIP.
/// Services reach each other by Service name on the Service port, as in compose by service name.
/// </summary>
internal static class KubernetesManifests
{
    private const string NameLabel = "app.kubernetes.io/name";
    private const string PartOfLabel = "app.kubernetes.io/part-of";
    private const string AppName = "randomdemo";
    private const string PortName = "http";
    private const string RedisPortName = "redis";

    public static void Write(string directory, IReadOnlyList<PublishedService> services, IReadOnlyList<PublishedRedis>? redises = null)
    {
        Directory.CreateDirectory(directory);
        foreach (var redis in redises ?? [])
        {
            WriteRedis(directory, redis);
        }

        foreach (var service in services)
        {
            var environment = service.ResolveEnvironment(ServicePortOf)
                .Select(variable => new V1EnvVar { Name = variable.Key, Value = variable.Value })
                .ToList();
            var deployment = Deployment(
                service.Name,
                service.DefaultImage,
                [new V1ContainerPort { ContainerPort = service.ContainerPort, Name = PortName }],
                environment,
                Probe(service.Readiness),
                Probe(service.Liveness ?? service.Readiness),
                service.Replicas);
            var servicePort = new V1ServicePort
            {
                Port = service.PublishedPort ?? service.ContainerPort,
                Name = PortName,
                TargetPort = service.ContainerPort,
                // Tells load balancers and meshes to speak HTTP/2 without TLS to it, not HTTP/1.1.
                AppProtocol = service.IsHttp2Only ? "kubernetes.io/h2c" : null,
            };
            var kubernetesService = Service(service.Name, service.PublishedPort is null ? "ClusterIP" : "LoadBalancer", [servicePort]);
            WriteManifest(directory, service.Name, deployment, kubernetesService);
        }

        WriteManifest(directory, PublishedDashboard.Name, DashboardDeployment(), Service(
            PublishedDashboard.Name,
            "ClusterIP",
            [
                new V1ServicePort { Port = ServicePorts.DashboardUi, Name = "ui", TargetPort = ServicePorts.DashboardUi },
                new V1ServicePort { Port = ServicePorts.DashboardOtlp, Name = "otlp", TargetPort = ServicePorts.DashboardOtlp },
            ]));
    }

    /// <summary>Redis inside the cluster only: its pod ready and alive while it answers PING.</summary>
    private static void WriteRedis(string directory, PublishedRedis redis)
    {
        var ping = new V1Probe { Exec = new V1ExecAction { Command = PublishedRedis.PingCommand }, PeriodSeconds = 10, TimeoutSeconds = 3 };
        var deployment = Deployment(
            redis.Name,
            redis.DefaultImage,
            [new V1ContainerPort { ContainerPort = redis.ContainerPort, Name = RedisPortName }],
            [],
            ping,
            ping,
            replicas: 1,
            arguments: PublishedRedis.Command);
        var service = Service(redis.Name, "ClusterIP", [new V1ServicePort { Port = redis.ContainerPort, Name = RedisPortName, TargetPort = redis.ContainerPort }]);
        WriteManifest(directory, redis.Name, deployment, service);
    }

    /// <summary>In the cluster, a referenced endpoint is its Service's port (<see cref="Write"/> makes it so).</summary>
    private static int ServicePortOf(EndpointReference endpoint) =>
        PublishedService.PublishedPortOf(endpoint.EndpointAnnotation) ?? PublishedService.ContainerPortOf(endpoint);

    private static V1Deployment DashboardDeployment()
    {
        // The dashboard answers its UI port as soon as it serves; it has no health endpoint of its own to ask.
        var uiOpen = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = ServicePorts.DashboardUi }, PeriodSeconds = 10 };
        return Deployment(
            PublishedDashboard.Name,
            PublishedDashboard.DefaultImage,
            [new V1ContainerPort { ContainerPort = ServicePorts.DashboardUi, Name = "ui" }, new V1ContainerPort { ContainerPort = ServicePorts.DashboardOtlp, Name = "otlp" }],
            [.. PublishedDashboard.Environment.Select(variable => new V1EnvVar { Name = variable.Key, Value = (string)variable.Value })],
            uiOpen,
            uiOpen,
            replicas: 1);
    }

    private static V1Deployment Deployment(string name, string image, List<V1ContainerPort> ports, List<V1EnvVar> environment, V1Probe readiness, V1Probe liveness, int replicas, IList<string>? arguments = null)
    {
        var labels = Labels(name);
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [NameLabel] = name } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec
                    {
                        Containers =
                        [
                            new V1Container
                            {
                                Name = name,
                                Image = image,
                                // Images built locally (dotnet publish -t:PublishContainer) are not pulled.
                                ImagePullPolicy = "IfNotPresent",
                                Args = arguments,
                                Ports = ports,
                                Env = environment,
                                ReadinessProbe = readiness,
                                LivenessProbe = liveness,
                                Resources = Resources(),
                            },
                        ],
                    },
                },
            },
        };
    }

    private static V1Service Service(string name, string type, List<V1ServicePort> ports) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, Labels = Labels(name) },
        Spec = new V1ServiceSpec
        {
            Type = type,
            Selector = new Dictionary<string, string> { [NameLabel] = name },
            Ports = ports,
        },
    };

    private static Dictionary<string, string> Labels(string name) => new() { [NameLabel] = name, [PartOfLabel] = AppName };

    /// <summary>
    /// Room for one small .NET service: a request that schedules on a small node, and limits that
    /// keep a runaway one from starving its neighbours.
    /// </summary>
    private static V1ResourceRequirements Resources() => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("128Mi") },
        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("512Mi") },
    };

    private static V1Probe Probe(ServiceHealthProbe probe) => probe switch
    {
        HttpHealthProbe http => new V1Probe { HttpGet = new V1HTTPGetAction { Port = http.Port, Path = http.Path }, PeriodSeconds = 10, TimeoutSeconds = 3 },
        GrpcHealthProbe grpc => new V1Probe { Grpc = new V1GRPCAction { Port = grpc.Port }, PeriodSeconds = 10, TimeoutSeconds = 3 },
        _ => throw new PublishException($"The health probe {probe} has no Kubernetes probe."),
    };

    private static void WriteManifest(string directory, string name, V1Deployment deployment, V1Service service) =>
        File.WriteAllText(Path.Combine(directory, $"{name}.yaml"), PublishOutput.GeneratedHeader + KubernetesYaml.SerializeAll([deployment, service]));
}
