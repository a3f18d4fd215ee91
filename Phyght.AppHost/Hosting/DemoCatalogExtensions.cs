using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Phyght.AppHost.Hosting;

public static class DemoCatalogExtensions
{
    private sealed record DemoVideo(string Title, string Category, string[] Tags, string Source);

    private static readonly DemoVideo[] Catalogue =
    [
        new("Demo: title fight under the bars", "MMA", ["mma", "main-event"], "smptebars"),
        new("Demo: grappling clinic", "BJJ", ["bjj", "technique"], "testsrc2"),
        new("Demo: pad work in the fractal gym", "Boxing", ["boxing", "training"], "mandelbrot"),
    ];

    /// <summary>
    /// A dashboard command that makes three short clips from ffmpeg's test sources and uploads them through the API as
    /// the bootstrap admin, so the worker processes them like any upload. Each run adds three more.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDemoCatalogCommand(
        this IResourceBuilder<ProjectResource> api, string adminEmail, ParameterResource adminPassword) =>
        api.WithCommand("seed-demo", "Seed demo catalogue", async context =>
        {
            var logger = context.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Phyght.AppHost.DemoCatalog");
            var folder = Directory.CreateTempSubdirectory("phyght-demo-");
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri(api.GetEndpoint("http").Url), Timeout = TimeSpan.FromMinutes(2) };
                using var token = await http.PostAsJsonAsync("/auth/token",
                    new { email = adminEmail, password = await adminPassword.GetValueAsync(context.CancellationToken) }, context.CancellationToken);
                token.EnsureSuccessStatusCode();
                var access = (await token.Content.ReadFromJsonAsync<JsonElement>(context.CancellationToken)).GetProperty("access_token").GetString();
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);

                // Every clip first: a missing encoder fails the command before anything is written.
                foreach (var demo in Catalogue)
                {
                    await MakeClipAsync(demo.Source, ClipPath(folder, demo), context.CancellationToken);
                }
                foreach (var demo in Catalogue)
                {
                    var clip = ClipPath(folder, demo);
                    using var created = await http.PostAsJsonAsync("/videos",
                        new { title = demo.Title, category = demo.Category, tags = demo.Tags, description = $"Made with ffmpeg's {demo.Source} source." },
                        context.CancellationToken);
                    created.EnsureSuccessStatusCode();
                    var id = (await created.Content.ReadFromJsonAsync<JsonElement>(context.CancellationToken)).GetProperty("id").GetString()!;
                    using var form = new MultipartFormDataContent
                    {
                        { new StringContent(id), "videoId" },
                        { new StreamContent(File.OpenRead(clip)), "video", Path.GetFileName(clip) },
                    };
                    using var uploaded = await http.PostAsync("/videos-upload", form, context.CancellationToken);
                    uploaded.EnsureSuccessStatusCode();
                    logger.LogInformation("Demo video {VideoId} ({Title}) uploaded", id, demo.Title);
                }
                return CommandResults.Success($"Uploaded {Catalogue.Length} demo videos; the worker is processing them.");
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                logger.LogWarning(ex, "Seeding the demo catalogue failed");
                return CommandResults.Failure($"Seeding the demo catalogue failed: {ex.Message}");
            }
            finally
            {
                folder.Delete(recursive: true);
            }
        }, new CommandOptions
        {
            Description = "Makes three short clips with ffmpeg and uploads them through the API and the worker.",
            IconName = "VideoClip",
            UpdateState = DashboardExtensions.EnabledWhileRunning,
        });

    private static string ClipPath(DirectoryInfo folder, DemoVideo demo) => Path.Combine(folder.FullName, $"{demo.Source}.mp4");

    private static async Task MakeClipAsync(string source, string path, CancellationToken ct)
    {
        var ffmpeg = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "-v", "error", "-y",
            "-f", "lavfi", "-i", $"{source}=size=640x360:rate=25",
            "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", "4", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", path,
        })
        {
            ffmpeg.ArgumentList.Add(arg);
        }
        using var process = Process.Start(ffmpeg) ?? throw new InvalidOperationException("ffmpeg did not start.");
        var errors = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg could not make the {source} clip: {errors.Trim()}");
        }
    }
}
