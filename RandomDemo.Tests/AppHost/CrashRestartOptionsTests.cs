using RandomDemo.AppHost.Lifecycle;

namespace RandomDemo.Tests.AppHost;

public sealed class CrashRestartOptionsTests
{
    [Fact]
    public void The_wait_doubles_with_each_crash_in_a_row_up_to_the_cap()
    {
        var options = new CrashRestartOptions { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(30) };

        var waits = Enumerable.Range(1, 8).Select(crash => options.DelayBefore(crash).TotalSeconds);

        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30], waits);
        Assert.Equal(options.MaxDelay, options.DelayBefore(int.MaxValue));
    }
}
