namespace RandomDemo.Tests.Page;

/// <summary>What the page file itself must (not) contain, checked on its text.</summary>
public sealed class PageFileTests
{
    private static readonly string Html = File.ReadAllText(StreamClientPage.FilePath);

    [Theory]
    [InlineData("<script src")]
    [InlineData("<link")]
    [InlineData("@import")]
    [InlineData("@font-face")]
    [InlineData("<img")]
    [InlineData("<iframe")]
    public void Page_loads_nothing_from_elsewhere(string reference) =>
        Assert.DoesNotContain(reference, Html, StringComparison.OrdinalIgnoreCase);

    [Fact]
    public void Styles_refer_to_no_resource()
    {
        var styles = Html[Html.IndexOf("<style>", StringComparison.Ordinal)..Html.IndexOf("</style>", StringComparison.Ordinal)];
        Assert.DoesNotContain("url(", styles, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=", Html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("innerHTML")]
    [InlineData("outerHTML")]
    [InlineData("insertAdjacentHTML")]
    [InlineData("document.write")]
    public void Page_never_parses_text_as_html(string api) =>
        Assert.DoesNotContain(api, Html, StringComparison.Ordinal);

    [Fact]
    public void Browser_enforces_the_self_containment()
    {
        Assert.Contains("http-equiv=\"Content-Security-Policy\"", Html, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", Html, StringComparison.Ordinal);
    }
}
