namespace RandomDemo.Tests.Infrastructure;

/// <summary>Whether a server answers yet, for waits on one that is starting or coming back.</summary>
public static class HttpProbe
{
    /// <summary>True when GET <paramref name="uri"/> answers 2xx; false while it answers otherwise or not at all (refused, reset, timed out).</summary>
    public static async Task<bool> AnswersOkAsync(this HttpClient http, Uri uri)
    {
        try
        {
            using var response = await http.GetAsync(uri);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
