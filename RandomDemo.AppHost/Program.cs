var builder = DistributedApplication.CreateBuilder(args);
var generator = builder.AddProject<Projects.RandomDemo_Generator>("generator");
builder.AddProject<Projects.RandomDemo_Gateway>("gateway")
    .WithReference(generator).WaitFor(generator)
    .WithHttpEndpoint(port: 8081).WithExternalHttpEndpoints();
builder.AddProject<Projects.RandomDemo_Streaming>("streaming")
    .WithReference(generator).WaitFor(generator)
    .WithHttpEndpoint(port: 8085).WithExternalHttpEndpoints();
builder.Build().Run();
