using System.Text.RegularExpressions;
using RandomDemo.Contracts;
using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Publishing;

/// <summary>The Kubernetes manifests of a real publish: every workload probed and reachable as written.</summary>
public sealed partial class KubernetesOutputTests(PublishedOutput published) : IClassFixture<PublishedOutput>
{
    [Fact]
    public void Every_app_model_project_and_the_dashboard_has_a_deployment_and_a_service()
    {
        string[] expected = [.. new[] { ServiceNames.Generator, ServiceNames.Gateway, ServiceNames.Streaming, "dashboard" }.Order()];
        Assert.Equal(expected, published.Deployments.Select(deployment => deployment.Metadata.Name).Order());
        Assert.Equal(expected, published.Services.Select(service => service.Metadata.Name).Order());
    }

    [Fact]
    public void Every_deployment_has_readiness_and_liveness_probes_and_resource_limits()
    {
        Assert.All(published.Deployments.SelectMany(deployment => deployment.Spec.Template.Spec.Containers), container =>
        {
            Assert.NotNull(container.ReadinessProbe);
            Assert.NotNull(container.LivenessProbe);
            Assert.NotEmpty(container.Resources.Requests);
            Assert.NotEmpty(container.Resources.Limits);
        });
    }

    [Fact]
    public void Generator_is_probed_over_the_grpc_health_protocol_the_http_services_on_health_and_alive()
    {
        var generator = Container(ServiceNames.Generator);
        Assert.Equal(ServicePorts.Generator, generator.ReadinessProbe.Grpc.Port);
        Assert.Equal(ServicePorts.Generator, generator.LivenessProbe.Grpc.Port);

        var gateway = Container(ServiceNames.Gateway);
        Assert.Equal(HealthEndpoints.Health, gateway.ReadinessProbe.HttpGet.Path);
        Assert.Equal(HealthEndpoints.Alive, gateway.LivenessProbe.HttpGet.Path);
        Assert.Equal(ServicePorts.GatewayContainer.ToString(), gateway.LivenessProbe.HttpGet.Port.Value);
    }

    [Fact]
    public void Every_service_selects_the_pods_of_a_deployment()
    {
        Assert.All(published.Services, service =>
            Assert.Contains(published.Deployments, deployment =>
                service.Spec.Selector.All(label => deployment.Spec.Template.Metadata.Labels.TryGetValue(label.Key, out var value) && value == label.Value)
                && deployment.Spec.Selector.MatchLabels.All(label => service.Spec.Selector.Contains(label))));
    }

    [Theory]
    [InlineData(ServiceNames.Gateway, ServicePorts.Gateway, ServicePorts.GatewayContainer)]
    [InlineData(ServiceNames.Streaming, ServicePorts.Streaming, ServicePorts.Streaming)]
    public void Public_services_are_load_balancers_on_their_documented_ports(string name, int port, int containerPort)
    {
        var service = Assert.Single(published.Services, service => service.Metadata.Name == name);
        Assert.Equal("LoadBalancer", service.Spec.Type);
        var servicePort = Assert.Single(service.Spec.Ports);
        Assert.Equal(port, servicePort.Port);
        Assert.Equal(containerPort.ToString(), servicePort.TargetPort.Value);
    }

    [Fact]
    public void Generator_is_a_cluster_internal_h2c_service()
    {
        var generator = Assert.Single(published.Services, service => service.Metadata.Name == ServiceNames.Generator);
        Assert.Equal("ClusterIP", generator.Spec.Type);
        Assert.Equal("kubernetes.io/h2c", Assert.Single(generator.Spec.Ports).AppProtocol);
    }

    [Fact]
    public void Every_url_in_the_environment_names_an_existing_service_and_port()
    {
        var urls = published.Deployments
            .SelectMany(deployment => deployment.Spec.Template.Spec.Containers)
            .SelectMany(container => container.Env ?? [])
            .Select(variable => ServiceUrl().Match(variable.Value))
            .Where(match => match.Success)
            .ToList();
        Assert.Contains(urls, url => url.Groups["host"].Value == ServiceNames.Generator);
        Assert.All(urls, url => Assert.Contains(published.Services, service =>
            service.Metadata.Name == url.Groups["host"].Value
            && service.Spec.Ports.Any(port => port.Port.ToString() == url.Groups["port"].Value)));
    }

    [Fact]
    public void Replicas_come_from_the_app_model()
    {
        // No resource asks for more with WithReplicas: one each.
        Assert.All(published.Deployments, deployment => Assert.Equal(1, deployment.Spec.Replicas));
    }

    [Fact]
    public async Task Every_manifest_passes_the_kubernetes_schema_validator()
    {
        var validation = await published.ValidateKubernetesManifestsAsync();

        Assert.True(validation.ExitCode == 0, validation.Output);
    }

    private k8s.Models.V1Container Container(string name) =>
        Assert.Single(Assert.Single(published.Deployments, deployment => deployment.Metadata.Name == name).Spec.Template.Spec.Containers);

    [GeneratedRegex(@"^http://(?<host>[a-z0-9-]+):(?<port>\d+)$")]
    private static partial Regex ServiceUrl();
}
