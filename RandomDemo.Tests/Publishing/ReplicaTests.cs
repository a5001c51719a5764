using Aspire.Hosting;
using k8s;
using k8s.Models;
using RandomDemo.AppHost.Endpoints;
using RandomDemo.AppHost.Health;
using RandomDemo.AppHost.Publishing;
using RandomDemo.Contracts;

namespace RandomDemo.Tests.Publishing;

/// <summary><c>WithReplicas</c> in the app model is the Deployment's replica count (the real app has one of each).</summary>
public sealed class ReplicaTests : IDisposable
{
    private readonly DirectoryInfo _output = Directory.CreateTempSubdirectory("randomdemo-publish-replicas-");

    public void Dispose() => _output.Delete(recursive: true);

    [Fact]
    public async Task WithReplicas_sets_the_deployment_replicas()
    {
        var builder = PublishModeModel.CreateBuilder();
        builder.AddProject<Projects.RandomDemo_Generator>(ServiceNames.Generator)
            .WithServiceEndpoint(ServicePorts.Generator)
            .WithGrpcHealthCheck()
            .WithReplicas(3);
        var services = await PublishModeModel.ReadAsync(builder);

        KubernetesManifests.Write(_output.FullName, services);

        var manifest = KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(Path.Combine(_output.FullName, "generator.yaml")));
        Assert.Equal(3, Assert.Single(manifest.OfType<V1Deployment>()).Spec.Replicas);
    }
}
