using RandomDemo.AppHost.Endpoints;
using RandomDemo.AppHost.Health;
using RandomDemo.AppHost.Lifecycle;
using RandomDemo.AppHost.Publishing;
using RandomDemo.AppHost.ScaleOut;
using RandomDemo.Contracts;

var builder = DistributedApplication.CreateBuilder(args);

#pragma warning disable ASPIRECERTIFICATES001 // Experimental; every endpoint here is plain http.

// What Aspire lacks, added on its own extension points (Lifecycle/, Endpoints/, Health/, Publishing/).
builder.ReportStartupErrorsInOneLine();
builder.AddPortConflictCheck();
builder.AddPromptShutdown();
builder.AddCrashRestarts();
builder.AddComposeAndKubernetesPublishing();

var generator = builder.AddProject<Projects.RandomDemo_Generator>(ServiceNames.Generator)
    .RunFromBuildOutput()
    .WithPromptShutdown()
    .WithServiceEndpoint(ServicePorts.Generator)
    .WithoutHttpsCertificate()
    .AsHttp2Service()
    .WithGrpcHealthCheck();

builder.AddProject<Projects.RandomDemo_Gateway>(ServiceNames.Gateway)
    .RunFromBuildOutput()
    .WithPromptShutdown()
    .WithServiceEndpoint(ServicePorts.Gateway, containerPort: ServicePorts.GatewayContainer)
    .WithoutHttpsCertificate()
    .WithExternalHttpEndpoints()
    .WithHttpHealthEndpoints()
    .WithReference(generator)
    .WaitFor(generator)
    .WithUrlForEndpoint("http", _ => new() { Url = "/scalar", DisplayText = "API reference (Scalar)" })
    .WithUrlForEndpoint("http", _ => new() { Url = "/random/number?min=1&max=100", DisplayText = "Sample: /random/number" });

var streamingReplicas = builder.StreamingReplicas();
builder.AddProject<Projects.RandomDemo_Streaming>(ServiceNames.Streaming)
    .RunFromBuildOutput()
    .WithPromptShutdown()
    // Replicas share the one port through DCP's proxy.
    .WithServiceEndpoint(ServicePorts.Streaming, proxied: streamingReplicas > 1)
    .WithoutHttpsCertificate()
    .WithExternalHttpEndpoints()
    .WithStreamingStateFile()
    .WithScaleOut(streamingReplicas)
    .WithHttpHealthEndpoints()
    .WithReference(generator)
    .WaitFor(generator)
    .WithUrlForEndpoint("http", _ => new() { Url = "/stream", DisplayText = "Event stream (/stream)" })
    .WithUrlForEndpoint("http", _ => new() { Url = "/metrics", DisplayText = "Metrics (/metrics)" });

builder.Build().Run();
