using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.EndToEnd;

/// <summary>
/// The stack with the real Aspire dashboard: traces read back from the dashboard's telemetry API, and the pages an
/// operator opens, in headless Chromium (screenshots in TestResults/dashboard).
/// </summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task The_dashboard_shows_every_resource_healthy_and_traces_that_cross_processes()
    {
        await using var stack = await PhyghtStack.StartAsync(dashboard: true);
        var dashboard = await stack.App.GetDashboardUrlAsync();
        using var telemetry = new HttpClient { BaseAddress = new Uri(dashboard.GetLeftPart(UriPartial.Authority)) };
        telemetry.DefaultRequestHeaders.Add("x-api-key", stack.App.Services.GetRequiredService<IConfiguration>()["AppHost:DashboardApiKey"]);
        var admin = await Accounts.AdminAsync(stack);
        var id = (await admin.CreateVideoAsync(new { title = "Traced" }))["id"]!.GetValue<string>();

        // A read that touches the database: the API's server span, and a PostgreSQL span beneath it.
        var (readTrace, readParent) = NewTraceParent();
        using (var read = admin.Request(HttpMethod.Get, $"/videos-update/{id}"))
        {
            read.Headers.Add("traceparent", $"00-{readTrace}-{readParent}-01");
            using var response = await admin.Http.SendAsync(read);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }
        var readSpans = await SpansAsync(telemetry, readTrace, spans => spans.Any(s => s.Scope == "Npgsql") && spans.Any(s => s.ParentSpanId == readParent));
        var server = Assert.Single(readSpans, s => s.Service == "api" && s.ParentSpanId == readParent);
        Assert.StartsWith("GET /videos-update/{id", server.Name);
        Assert.Contains(readSpans, s => s.Scope == "Npgsql" && AncestorsOf(s, readSpans).Contains(server.SpanId));

        // A real-time Subscribe call is a span of its own, with the statements it ran (the caller's role, the video) beneath.
        await using (var listener = await Integration.RealtimeTests.Listener.ConnectAsync(stack, admin.AccessToken))
        {
            await listener.Connection.InvokeAsync("Subscribe", Guid.Parse(id), (long?)null);
        }
        static bool IsSubscribeCall(Span s) => s.Scope == "Microsoft.AspNetCore.SignalR.Server" && s.Name.Contains("Subscribe", StringComparison.Ordinal);
        var subscribeTrace = await Eventually.ReturnsAsync(async () => (await ListedSpansAsync(telemetry, "api")).FirstOrDefault(IsSubscribeCall)?.TraceId,
            trace => trace is not null, TimeSpan.FromSeconds(60), "the Subscribe call's span in the dashboard");
        var subscribeSpans = await SpansAsync(telemetry, subscribeTrace!, spans => spans.Any(s => s.Scope == "Npgsql"));
        var hubCall = Assert.Single(subscribeSpans, IsSubscribeCall);
        Assert.All(subscribeSpans.Where(s => s.Scope == "Npgsql"), statement => Assert.Contains(hubCall.SpanId, AncestorsOf(statement, subscribeSpans)));

        // An upload: the worker's processing span belongs to the request's trace, beneath the API's upload span.
        var (uploadTrace, uploadParent) = NewTraceParent();
        Assert.Equal(HttpStatusCode.OK, await admin.UploadAsync(id, await MediaFixtures.VideoAsync("mp4"), traceParent: $"00-{uploadTrace}-{uploadParent}-01"));
        var uploadSpans = await SpansAsync(telemetry, uploadTrace,
            spans => spans.Any(s => s.Service == "worker" && s.Name == "process video") && spans.Any(s => s.ParentSpanId == uploadParent));
        var uploadServer = Assert.Single(uploadSpans, s => s.Service == "api" && s.ParentSpanId == uploadParent);
        var processing = uploadSpans.Single(s => s.Service == "worker" && s.Name == "process video");
        Assert.Contains(uploadServer.SpanId, AncestorsOf(processing, uploadSpans));

        // The traces an operator scrolls through are requests and jobs, not background polls: no database statement has
        // a trace of its own over and over. (Before the polls were kept out, an idle half minute held 47 such traces of
        // the API's and 139 of the worker's: the outbox drainer every second, the job queue twice a second.)
        foreach (var resource in new[] { "api", "worker" })
        {
            var repeated = (await ListedSpansAsync(telemetry, resource)).Where(s => s.Scope == "Npgsql" && s.ParentSpanId is null)
                .GroupBy(s => s.Statement ?? s.Name).Where(g => g.Count() > 2).Select(g => $"{g.Count()}× {g.Key}").ToList();
            Assert.True(repeated.Count == 0, $"{resource} traces its polls: {string.Join("; ", repeated)}");
        }

        // Nothing above is a failure: no service logged an error an operator would be paged for.
        foreach (var resource in new[] { "api", "worker" })
        {
            var errors = await telemetry.GetFromJsonAsync<JsonElement>($"/api/telemetry/logs?resource={resource}&severity=Error");
            Assert.True(errors.GetProperty("totalCount").GetInt32() == 0, $"{resource} logged errors: {errors}");
        }

        // What an operator sees: every resource running and healthy, and the upload's waterfall with the worker in it.
        var screenshots = Path.Combine(Repository.Root(), "TestResults", "dashboard");
        var seen = await RunNodeAsync("scripts/dashboard-screenshots.mjs", dashboard.ToString(), screenshots, uploadTrace, "process video");
        foreach (var resource in new[] { "postgres", "redis", "storage", "api", "worker" })
        {
            Assert.Contains(resource, seen.GetProperty("resources").GetString());
        }
        Assert.Contains("worker", seen.GetProperty("trace").GetString());
        Assert.True(File.Exists(Path.Combine(screenshots, "resources.png")) && File.Exists(Path.Combine(screenshots, "upload-trace.png")));
    }

    /// <summary>A span as the dashboard holds it; <see cref="Statement"/> is a database span's query text.</summary>
    private sealed record Span(string Service, string Scope, string Name, string TraceId, string SpanId, string? ParentSpanId, string? Statement);

    private static (string TraceId, string SpanId) NewTraceParent() =>
        (Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));

    /// <summary>The trace's spans as the dashboard holds them, once <paramref name="complete"/> holds (each process
    /// exports in batches, and a parent span, ending last, often arrives after its children).</summary>
    private static Task<List<Span>> SpansAsync(HttpClient telemetry, string traceId, Func<List<Span>, bool> complete) =>
        Eventually.ReturnsAsync(async () =>
        {
            using var response = await telemetry.GetAsync($"/api/telemetry/traces/{traceId}");
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return [];
            }
            response.EnsureSuccessStatusCode();
            return SpansIn(await response.Content.ReadFromJsonAsync<JsonElement>());
        }, complete, TimeSpan.FromSeconds(60), $"trace {traceId} in the dashboard");

    /// <summary>The spans of the traces the dashboard lists for the resource (its most recent ones).</summary>
    private static async Task<List<Span>> ListedSpansAsync(HttpClient telemetry, string resource) =>
        SpansIn(await telemetry.GetFromJsonAsync<JsonElement>($"/api/telemetry/traces?resource={resource}"));

    /// <summary>The spans of a telemetry API answer (OTLP JSON: resource, then scope, then spans).</summary>
    private static List<Span> SpansIn(JsonElement body) =>
        (from resource in body.GetProperty("data").GetProperty("resourceSpans").EnumerateArray()
         let service = Attribute(resource.GetProperty("resource"), "service.name")!
         from scope in resource.GetProperty("scopeSpans").EnumerateArray()
         from span in scope.GetProperty("spans").EnumerateArray()
         select new Span(
             service,
             scope.GetProperty("scope").GetProperty("name").GetString()!,
             span.GetProperty("name").GetString()!,
             span.GetProperty("traceId").GetString()!,
             span.GetProperty("spanId").GetString()!,
             span.TryGetProperty("parentSpanId", out var parent) && parent.GetString() is { Length: > 0 } parentId ? parentId : null,
             Attribute(span, "db.query.text"))).ToList();

    private static string? Attribute(JsonElement element, string key) =>
        element.TryGetProperty("attributes", out var attributes)
            ? attributes.EnumerateArray().Where(a => a.GetProperty("key").GetString() == key)
                .Select(a => a.GetProperty("value").GetProperty("stringValue").GetString()).FirstOrDefault()
            : null;

    private static IEnumerable<string> AncestorsOf(Span span, List<Span> spans)
    {
        for (var parent = span.ParentSpanId; parent is not null; parent = spans.FirstOrDefault(s => s.SpanId == parent)?.ParentSpanId)
        {
            yield return parent;
        }
    }

    private static async Task<JsonElement> RunNodeAsync(string script, params string[] args)
    {
        var node = await NodeProcess.RunAsync(Repository.Root(), [script, .. args]);
        Assert.True(node.ExitCode == 0, $"{script} failed: {node.Error}");
        return JsonDocument.Parse(node.Output).RootElement;
    }
}
