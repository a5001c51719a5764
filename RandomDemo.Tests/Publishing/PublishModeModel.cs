using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using RandomDemo.AppHost.Publishing;

namespace RandomDemo.Tests.Publishing;

/// <summary>App models built in-process in publish mode, for models the real AppHost does not have.</summary>
internal static class PublishModeModel
{
    public static IDistributedApplicationBuilder CreateBuilder() => DistributedApplication.CreateBuilder(["--operation", "publish"]);

    /// <summary>The image (<c>registry/image:tag</c>) Aspire's <c>AddRedis</c> gives its resource.</summary>
    public static string AspiresRedisImage()
    {
        var redis = CreateBuilder().AddRedis("probe").Resource;
        Assert.True(redis.TryGetLastAnnotation<ContainerImageAnnotation>(out var image));
        return $"{image.Registry}/{image.Image}:{image.Tag}";
    }

    /// <summary>Builds the app and reads its projects as the publishing step does.</summary>
    public static async Task<IReadOnlyList<PublishedService>> ReadAsync(IDistributedApplicationBuilder builder)
    {
        using var app = builder.Build();
        return await PublishedService.ReadAllAsync(
            app.Services.GetRequiredService<DistributedApplicationModel>(),
            app.Services.GetRequiredService<DistributedApplicationExecutionContext>(),
            CancellationToken.None);
    }
}
