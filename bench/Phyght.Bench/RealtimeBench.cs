using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

/// <summary>
/// Real-time fan-out: N clients split over the API instances, each subscribed to the whole catalogue, while edits
/// arrive at a fixed rate through alternating instances. Latency is from the edit's <c>updated_at</c> (written in the
/// committing transaction) to the client's receipt; CPU is the API processes' user+system time over the run.
/// </summary>
public static class RealtimeBench
{
    public static async Task RunAsync(Uri[] instances, string adminPassword, int clients, int rate, int seconds, int[] apiPids)
    {
        using var http = new HttpClient { BaseAddress = instances[0] };
        using var token = await http.PostAsJsonAsync("/auth/token", new { email = "admin@phyght.local", password = adminPassword });
        var access = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        var writers = instances.Select(uri => new HttpClient { BaseAddress = uri, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", access) } }).ToArray();

        var ids = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            using var created = await writers[0].PostAsJsonAsync("/videos", new { title = $"Realtime bench {i}" });
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        var latencies = new ConcurrentBag<double>();
        var received = 0L;
        var resyncs = 0;
        var measuring = false;
        var connections = new List<HubConnection>();
        for (var i = 0; i < clients; i++)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(instances[i % instances.Length], "/realtime"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(access))
                .Build();
            connection.On<JsonElement>("videoChanged", e =>
            {
                if (Volatile.Read(ref measuring) && e.GetProperty("new").ValueKind == JsonValueKind.Object)
                {
                    var committed = e.GetProperty("new").GetProperty("updated_at").GetDateTimeOffset();
                    latencies.Add((DateTimeOffset.UtcNow - committed).TotalMilliseconds);
                    Interlocked.Increment(ref received);
                }
            });
            connection.On<JsonElement>("resync", _ => Interlocked.Increment(ref resyncs));
            await connection.StartAsync();
            await connection.InvokeAsync("SubscribeAll");
            connections.Add(connection);
        }
        Console.WriteLine($"{clients} clients connected over {instances.Length} instances; editing {rate}/s for {seconds} s");

        var cpuBefore = apiPids.Sum(CpuSeconds);
        Volatile.Write(ref measuring, true);
        var sent = 0;
        var failed = 0;
        var failures = new ConcurrentDictionary<string, int>();
        var inFlight = new List<Task>();
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < rate * seconds; i++)
        {
            var due = TimeSpan.FromSeconds(i / (double)rate) - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }
            var writer = writers[i % writers.Length];
            var id = ids[i % ids.Count];
            var n = i;
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    using var response = await writer.PutAsJsonAsync($"/videos-update/{id}", new { title = $"Edit {n}" });
                    Interlocked.Increment(ref response.IsSuccessStatusCode ? ref sent : ref failed);
                    if (!response.IsSuccessStatusCode)
                    {
                        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                        var detail = problem.TryGetProperty("detail", out var d) ? $" {d.GetString()}" : "";
                        failures.AddOrUpdate($"{(int)response.StatusCode}{detail}", 1, (_, c) => c + 1);
                    }
                }
                catch (Exception ex)
                {
                    Interlocked.Increment(ref failed);
                    failures.AddOrUpdate(ex.GetType().Name, 1, (_, c) => c + 1);
                }
            }));
        }
        await Task.WhenAll(inFlight);
        var expected = (long)sent * clients;
        var drainDeadline = DateTime.UtcNow.AddSeconds(30);
        while (Interlocked.Read(ref received) < expected && DateTime.UtcNow < drainDeadline)
        {
            await Task.Delay(100);
        }
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpu = apiPids.Sum(CpuSeconds) - cpuBefore;
        Volatile.Write(ref measuring, false);

        var sorted = latencies.Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, p * sorted.Length)];
        Console.WriteLine($"edits: {sent} ok, {failed} failed{(failures.IsEmpty ? "" : $" ({string.Join(", ", failures.Select(f => $"{f.Key}: {f.Value}"))})")} in {elapsed:N1} s; deliveries {received:N0} of {expected:N0} expected; {resyncs} clients told to resync");
        Console.WriteLine($"latency commit -> received: p50 {Percentile(0.50):N1} ms, p99 {Percentile(0.99):N1} ms, max {sorted.LastOrDefault():N1} ms");
        Console.WriteLine($"API CPU: {cpu:N2} s over the run = {cpu / (received / 1000.0) * 1000:N2} ms per 1,000 deliveries");
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }

    private static double CpuSeconds(int pid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0; // utime + stime, in clock ticks of 1/100 s
    }
}
