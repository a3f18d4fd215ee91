using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Storage.Blobs;

/// <summary>Upload throughput through the API vs straight to Azurite with the SDK, and time from accepted to ready.</summary>
public static class UploadBench
{
    private const string Azurite = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:{0}/devstoreaccount1;";

    public static async Task RunAsync(Uri api, string adminPassword, string file, int azuritePort, int runs = 3)
    {
        var megabytes = new FileInfo(file).Length / 1048576.0;
        var container = new BlobServiceClient(string.Format(Azurite, azuritePort)).GetBlobContainerClient("bench");
        await container.CreateIfNotExistsAsync();
        var direct = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var t = Stopwatch.GetTimestamp();
            await container.GetBlobClient($"direct-{i}").UploadAsync(file, overwrite: true);
            direct.Add(megabytes / Stopwatch.GetElapsedTime(t).TotalSeconds);
        }

        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromMinutes(5) };
        using var token = await http.PostAsJsonAsync("/auth/token", new { email = "admin@phyght.local", password = adminPassword });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString());
        var viaApi = new List<double>();
        var readyAfter = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            using var created = await http.PostAsJsonAsync("/videos", new { title = $"Upload bench {i}" });
            var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            using var form = new MultipartFormDataContent { { new StringContent(id), "videoId" }, { new StreamContent(File.OpenRead(file)), "video", Path.GetFileName(file) } };
            var t = Stopwatch.GetTimestamp();
            using var uploaded = await http.PostAsync("/videos-upload", form);
            uploaded.EnsureSuccessStatusCode();
            viaApi.Add(megabytes / Stopwatch.GetElapsedTime(t).TotalSeconds);
            var accepted = Stopwatch.GetTimestamp();
            while (true)
            {
                var video = await http.GetFromJsonAsync<JsonElement>($"/videos-update/{id}");
                if (video.GetProperty("status").GetString() is "ready" or "failed")
                {
                    readyAfter.Add(Stopwatch.GetElapsedTime(accepted).TotalSeconds);
                    break;
                }
                await Task.Delay(100);
            }
        }
        Console.WriteLine($"{megabytes:N1} MB file: direct to Azurite {direct.Average():N1} MB/s, through the API {viaApi.Average():N1} MB/s " +
            $"(ratio {viaApi.Average() / direct.Average():N2}); accepted to ready {string.Join(", ", readyAfter.Select(s => $"{s:N1} s"))}");
    }
}
