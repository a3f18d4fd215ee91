namespace Phyght.Tests.Infrastructure;

/// <summary>Polls a condition until it holds or a deadline passes; the only way tests wait.</summary>
public static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> until, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        T last;
        while (true)
        {
            last = await probe();
            if (until(last))
            {
                return last;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within {within}: {what}. Last value: {last}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    public static Task HoldsAsync(Func<bool> condition, TimeSpan within, string what) =>
        ReturnsAsync(() => Task.FromResult(condition()), ok => ok, within, what);
}
