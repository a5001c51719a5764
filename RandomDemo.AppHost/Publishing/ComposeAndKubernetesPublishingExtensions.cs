using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RandomDemo.AppHost.Endpoints;
using RandomDemo.Contracts;

namespace RandomDemo.AppHost.Publishing;

public static class ComposeAndKubernetesPublishingExtensions
{
    private const string StepName = "publish-compose-and-kubernetes";

    /// <summary>
    /// Makes <c>aspire publish -o DIR</c> (or <c>--operation publish --step publish --output-path DIR</c>)
    /// write <c>docker-compose.yaml</c>, <c>.env</c> and <c>k8s/*.yaml</c> from the app model; compose
    /// publishes the dashboard's UI on <c>Ports:dashboard</c> (default <see cref="ServicePorts.DashboardUi"/>).
    /// Ours rather than Aspire's own compose and Kubernetes publishers: the services' healthchecks and
    /// probes, and <c>service_healthy</c> ordering from each <c>WaitFor</c>, which Aspire's compose output lacks.
    /// </summary>
    public static IDistributedApplicationBuilder AddComposeAndKubernetesPublishing(this IDistributedApplicationBuilder builder)
    {
#pragma warning disable ASPIREPIPELINES001, ASPIREPIPELINES004 // Experimental; Aspire's only publishing extension point.
        // Read now, so that a bad --Ports:dashboard stops the AppHost in one line like any other bad port.
        var dashboardPort = ServiceEndpointExtensions.ConfiguredPort(builder.Configuration, PublishedDashboard.Name) ?? ServicePorts.DashboardUi;
        builder.Pipeline.AddStep(StepName, context => PublishAsync(context, dashboardPort), dependsOn: WellKnownPipelineSteps.PublishPrereq, requiredBy: WellKnownPipelineSteps.Publish);
        return builder;
    }

    private static async Task PublishAsync(PipelineStepContext context, int dashboardPort)
    {
        var outputDirectory = context.Services.GetRequiredService<IPipelineOutputService>().GetOutputDirectory();
        try
        {
            var services = await PublishedService.ReadAllAsync(context.Model, context.ExecutionContext, context.CancellationToken);
            var redises = PublishedRedis.ReadAll(context.Model);
            PublishOutput.Write(outputDirectory, staging =>
            {
                ComposeFile.Write(staging, services, dashboardPort, redises);
                KubernetesManifests.Write(Path.Combine(staging, PublishOutput.KubernetesDirectory), services, redises);
            });
        }
        catch (PublishException e)
        {
            // Failed with the message alone: a thrown exception would be logged three times with
            // Aspire's stack traces, and `dotnet run` would still exit 0.
            context.Logger.LogError("{Message}", e.Message);
            await context.ReportingStep.FailAsync(e.Message, context.CancellationToken);
            Environment.ExitCode = PublishException.ExitCode;
            return;
        }
#pragma warning restore ASPIREPIPELINES001, ASPIREPIPELINES004

        context.Logger.LogInformation("Wrote {ComposeFile}, {EnvironmentFile} and {KubernetesDirectory}/ to {OutputDirectory}",
            ComposeFile.FileName, ComposeFile.EnvironmentFileName, PublishOutput.KubernetesDirectory, outputDirectory);
    }
}
