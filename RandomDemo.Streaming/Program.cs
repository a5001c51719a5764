using RandomDemo.Contracts;
using RandomDemo.Streaming.Apis;
using RandomDemo.Streaming.Extensions;

HealthProbeMode.ExitIfRequested(args);

var builder = ServiceApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.UseDefaultPort(ServicePorts.Streaming);
builder.AddStreamingServices();

var app = builder.Build();

app.UseForwardedClientAddresses();
app.UseCors();
app.MapDefaultEndpoints();
app.MapStreamingApi();

app.Run();
