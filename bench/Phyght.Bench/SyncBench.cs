using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

/// <summary>POST /sync throughput: 16 concurrent clients, each sending 10-op batches as its own actor, spread over N videos.</summary>
public static class SyncBench
{
    public static async Task RunAsync(Uri api, string adminPassword, int videos, int seconds)
    {
        using var http = new HttpClient { BaseAddress = api };
        using var token = await http.PostAsJsonAsync("/auth/token", new { email = "admin@phyght.local", password = adminPassword });
        var access = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);

        var ids = new List<string>();
        for (var i = 0; i < videos; i++)
        {
            using var created = await http.PostAsJsonAsync("/videos", new { title = $"Sync bench {i}" });
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var failures = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async client =>
        {
            var seq = new Dictionary<string, long>();
            var clocks = new Dictionary<string, Dictionary<string, long>>();
            var random = new Random(client);
            while (DateTime.UtcNow < deadline)
            {
                var video = ids[random.Next(ids.Count)];
                var actor = $"bench-{client}";
                var first = seq.GetValueOrDefault(video) + 1;
                var ops = Enumerable.Range(0, 10).Select(i => new
                {
                    actor,
                    seq = first + i,
                    lamport = 1_000_000 + first + i,
                    type = "add_tag",
                    value = $"t{random.Next(20)}",
                    context = new Dictionary<string, long> { [actor] = first + i - 1 },
                }).ToArray();
                var t = Stopwatch.GetTimestamp();
                // Like a real client: send the clock the server last gave us, so the reply carries only what is new.
                var clock = clocks.GetValueOrDefault(video) ?? [];
                using var response = await http.PostAsJsonAsync("/sync", new { video_id = video, client_vector_clock = clock, operations = ops });
                latencies.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                if (response.IsSuccessStatusCode)
                {
                    seq[video] = first + 9;
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                    clocks[video] = body.GetProperty("server_vector_clock").Deserialize<Dictionary<string, long>>()!;
                }
                else
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var sorted = latencies.Order().ToArray();
        Console.WriteLine($"{videos} video(s), 16 clients, 10-op batches: {sorted.Length / elapsed:N0} syncs/s ({sorted.Length * 10 / elapsed:N0} ops/s), " +
            $"p50 {sorted[sorted.Length / 2]:N1} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:N1} ms, {failures} failed");
    }
}
