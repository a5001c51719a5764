using Aspire.Hosting;
using RandomDemo.AppHost.Endpoints;
using RandomDemo.AppHost.Health;
using RandomDemo.AppHost.Publishing;
using RandomDemo.Contracts;

namespace RandomDemo.Tests.Publishing;

/// <summary>App models the publisher cannot express say so by name, before anything is written.</summary>
public sealed class UnpublishableModelTests : IDisposable
{
    private readonly IDistributedApplicationBuilder _builder = PublishModeModel.CreateBuilder();
    private readonly DirectoryInfo _output = Directory.CreateTempSubdirectory("randomdemo-publish-model-");

    public void Dispose() => _output.Delete(recursive: true);

    [Fact]
    public async Task A_container_resource_is_refused()
    {
        _builder.AddContainer("cache", "redis");

        var error = await Assert.ThrowsAsync<PublishException>(ReadAsync);

        Assert.Equal("cache is a ContainerResource; only .NET projects can be published to compose and Kubernetes here.", error.Message);
    }

    [Fact]
    public async Task A_project_without_a_health_check_is_refused()
    {
        _builder.AddProject<Projects.RandomDemo_Generator>(ServiceNames.Generator).WithServiceEndpoint(ServicePorts.Generator);

        var error = await Assert.ThrowsAsync<PublishException>(ReadAsync);

        Assert.StartsWith("generator has no health check to publish", error.Message);
    }

    [Fact]
    public async Task A_secret_parameter_in_the_environment_is_refused_with_nothing_written()
    {
        var secret = _builder.AddParameter("api-key", secret: true);
        _builder.AddProject<Projects.RandomDemo_Generator>(ServiceNames.Generator)
            .WithServiceEndpoint(ServicePorts.Generator)
            .WithHttpHealthEndpoints()
            .WithEnvironment("API_KEY", secret);
        var services = await ReadAsync();

        var error = Assert.Throws<PublishException>(() => ComposeFile.Write(_output.FullName, services, ServicePorts.DashboardUi));

        Assert.Equal("generator's API_KEY is {api-key.value}, which the compose and Kubernetes output cannot express.", error.Message);
        Assert.Empty(_output.EnumerateFileSystemInfos());
    }

    private Task<IReadOnlyList<PublishedService>> ReadAsync() => PublishModeModel.ReadAsync(_builder);
}
