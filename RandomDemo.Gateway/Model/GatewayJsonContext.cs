using System.Text.Json.Serialization;

namespace RandomDemo.Gateway.Model;

/// <summary>Source-generated serializers for the response bodies: no reflection on the hot path.</summary>
[JsonSerializable(typeof(NumberResult))]
[JsonSerializable(typeof(StringResult))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
