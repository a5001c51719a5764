using RandomDemo.Contracts;
using RandomDemo.Gateway.Apis;
using RandomDemo.Gateway.Extensions;

HealthProbeMode.ExitIfRequested(args);

var builder = ServiceApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.UseDefaultPort(ServicePorts.Gateway);
builder.AddGatewayServices();

var app = builder.Build();

app.UseForwardedClientAddresses();
app.UseExceptionHandler();
app.UseRateLimiter();
app.MapDefaultEndpoints();
app.MapApiDocumentation();
app.MapRandomApi();

app.Run();
