using RandomDemo.Contracts;
using RandomDemo.Generator.Extensions;
using RandomDemo.Generator.Services;

HealthProbeMode.ExitIfRequested(args);

var builder = ServiceApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.UseDefaultPort(ServicePorts.Generator);
builder.AddGeneratorServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapGrpcService<RandomGeneratorService>();
app.MapGrpcHealthChecksService();
app.MapGrpcReflectionService();

app.Run();
