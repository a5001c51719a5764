using RandomDemo.Tests.Infrastructure;

namespace RandomDemo.Tests.Streaming;

public sealed class StreamingOptionsTests
{
    [Theory]
    [InlineData("Upstream__FrequencyMs", "0", "Upstream:FrequencyMs")]
    [InlineData("Upstream__MinValue", "500", "Upstream:MinValue")]
    [InlineData("Upstream__DataType", "COLOUR", "Upstream:DataType")]
    [InlineData("Streaming__ReplayBufferSize", "0", "Streaming:ReplayBufferSize")]
    [InlineData("Streaming__MaxClients", "-3", "Streaming:MaxClients")]
    [InlineData("Streaming__KeepAliveInterval", "00:00:00", "Streaming:KeepAliveInterval")]
    public async Task Invalid_setting_stops_the_service_at_start_naming_the_key(string variable, string value, string key)
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            StartedProcess.StartServiceAsync("RandomDemo.Streaming", environment: new Dictionary<string, string?> { [variable] = value }));

        Assert.Contains("exited", failure.Message, StringComparison.Ordinal);
        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
    }
}
