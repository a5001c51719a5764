using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace RandomDemo.Gateway.Extensions;

/// <summary>
/// Query parameters are bound as raw strings (the handlers parse them to name bad ones), so the
/// OpenAPI document would call them strings; these conventions state their real types and defaults.
/// </summary>
internal static class OpenApiQueryExtensions
{
    public static RouteHandlerBuilder WithQuerySchemas(this RouteHandlerBuilder endpoint, params (string Name, OpenApiSchema Schema)[] parameters) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            {
                foreach (var (name, schema) in parameters)
                {
                    if (string.Equals(parameter.Name, name, StringComparison.OrdinalIgnoreCase))
                    {
                        parameter.Schema = schema;
                    }
                }
            }

            return Task.CompletedTask;
        });

    public static OpenApiSchema Int32Schema(int defaultValue, int minimum = int.MinValue, int maximum = int.MaxValue) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int32",
        Default = JsonValue.Create(defaultValue),
        Minimum = minimum.ToString(CultureInfo.InvariantCulture),
        Maximum = maximum.ToString(CultureInfo.InvariantCulture),
    };

    public static OpenApiSchema BooleanSchema(bool defaultValue) => new()
    {
        Type = JsonSchemaType.Boolean,
        Default = JsonValue.Create(defaultValue),
    };
}
