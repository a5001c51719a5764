using Microsoft.AspNetCore.Builder;

namespace Microsoft.Extensions.Hosting;

public static class ServiceApplication
{
    /// <summary>
    /// <see cref="WebApplication.CreateBuilder(WebApplicationOptions)"/> with the content root at the
    /// app's own directory instead of the working directory, so that a service reads the
    /// appsettings.json it was built with however it is started (<c>dotnet /path/Service.dll</c>
    /// from anywhere, an orchestrator, a container).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
}
