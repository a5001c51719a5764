using System.ComponentModel;
using Grpc.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Primitives;
using RandomDemo.Contracts;
using RandomDemo.Gateway.Extensions;
using RandomDemo.Gateway.Model;
using RandomDemo.Gateway.Services;
using static RandomDemo.Gateway.Extensions.OpenApiQueryExtensions;

namespace RandomDemo.Gateway.Apis;

/// <summary>The REST face of the generator: <c>/random/number</c> and <c>/random/string</c>.</summary>
public static class RandomApi
{
    public const int DefaultMin = 1;
    public const int DefaultMax = 100;
    public const int DefaultLength = 10;
    public const bool DefaultDigits = true;
    public const bool DefaultSpecial = false;

    public static IEndpointRouteBuilder MapRandomApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/random").WithTags("Random").RequireRateLimiting(RateLimitingExtensions.PerClientAddress);

        api.MapGet("/number", GetRandomNumber)
            .WithName("GetRandomNumber")
            .WithSummary("A random integer")
            .WithDescription("Draws an integer uniformly from the inclusive range [min, max] (any 32-bit range, min <= max).")
            .WithQuerySchemas(("min", Int32Schema(DefaultMin)), ("max", Int32Schema(DefaultMax)))
            .ProducesGeneratorProblems();

        api.MapGet("/string", GetRandomString)
            .WithName("GetRandomString")
            .WithSummary("A random string")
            .WithDescription($"Draws a string of {RandomLimits.MinStringLength} to {RandomLimits.MaxStringLength} characters: letters always, digits and the special characters !@#$%^&*()-_=+[]{{}}|;:,.<>?/ on request.")
            .WithQuerySchemas(
                ("length", Int32Schema(DefaultLength, minimum: RandomLimits.MinStringLength, maximum: RandomLimits.MaxStringLength)),
                ("digits", BooleanSchema(DefaultDigits)),
                ("special", BooleanSchema(DefaultSpecial)))
            .ProducesGeneratorProblems();

        return app;
    }

    // Query parameters arrive raw (StringValues?, null when absent) and are parsed by QueryParameters.
    public static async Task<Results<Ok<NumberResult>, ProblemHttpResult>> GetRandomNumber(
        RandomService.RandomServiceClient generator,
        GeneratorCallPolicy policy,
        [Description("The smallest possible value (int32, default 1).")] StringValues? min,
        [Description("The largest possible value (int32, default 100, not less than min).")] StringValues? max,
        CancellationToken cancellationToken)
    {
        if (!QueryParameters.TryGetInt32(min, nameof(min), DefaultMin, out var minValue, out var problem)
            || !QueryParameters.TryGetInt32(max, nameof(max), DefaultMax, out var maxValue, out problem))
        {
            return problem;
        }

        if (minValue > maxValue)
        {
            return QueryParameters.Invalid(nameof(min), $"min ({minValue}) must not be greater than max ({maxValue}).");
        }

        try
        {
            var response = await generator.GetRandomNumberAsync(
                new NumberRequest { Min = minValue, Max = maxValue }, deadline: policy.Deadline(), cancellationToken: cancellationToken);
            return TypedResults.Ok(new NumberResult(response.Value, minValue, maxValue));
        }
        catch (RpcException error)
        {
            return policy.ToProblem(error, cancellationToken);
        }
    }

    public static async Task<Results<Ok<StringResult>, ProblemHttpResult>> GetRandomString(
        RandomService.RandomServiceClient generator,
        GeneratorCallPolicy policy,
        [Description("The number of characters (1..1000, default 10).")] StringValues? length,
        [Description("Whether digits may appear (true/false/1/0, default true).")] StringValues? digits,
        [Description("Whether special characters may appear (true/false/1/0, default false).")] StringValues? special,
        CancellationToken cancellationToken)
    {
        if (!QueryParameters.TryGetInt32(length, nameof(length), DefaultLength, out var lengthValue, out var problem)
            || !QueryParameters.TryGetBoolean(digits, nameof(digits), DefaultDigits, out var digitsValue, out problem)
            || !QueryParameters.TryGetBoolean(special, nameof(special), DefaultSpecial, out var specialValue, out problem))
        {
            return problem;
        }

        if (lengthValue is < RandomLimits.MinStringLength or > RandomLimits.MaxStringLength)
        {
            return QueryParameters.Invalid(nameof(length), $"length must be from {RandomLimits.MinStringLength} to {RandomLimits.MaxStringLength}, got {lengthValue}.");
        }

        try
        {
            var response = await generator.GetRandomStringAsync(
                new StringRequest { Length = lengthValue, IncludeDigits = digitsValue, IncludeSpecial = specialValue },
                deadline: policy.Deadline(),
                cancellationToken: cancellationToken);
            return TypedResults.Ok(new StringResult(response.Value, lengthValue, digitsValue, specialValue));
        }
        catch (RpcException error)
        {
            return policy.ToProblem(error, cancellationToken);
        }
    }

    /// <summary>Documents the problems any generator-backed endpoint may answer.</summary>
    private static RouteHandlerBuilder ProducesGeneratorProblems(this RouteHandlerBuilder endpoint) => endpoint
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status502BadGateway)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .ProducesProblem(StatusCodes.Status504GatewayTimeout);
}
