using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Phyght.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Phyght.Tests.Hostile;

/// <summary>
/// Every operation of the API's own OpenAPI document, sent hostile input as every kind of caller: boundary and
/// wrong-typed values, NUL and control characters, huge strings and arrays, deep nesting, unknown fields. No answer
/// may be a 5xx; every refusal is problem details; no request takes long; a refused request changes nothing in the
/// database or blob storage. The cases are generated deterministically (fixed seed, printed on failure).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OpenApiFuzzTests(StackFixture fixture, ITestOutputHelper output)
{
    private const int Seed = 18;
    /// <summary>Generous: a bound on work, not a speed target (those live in bench/). The 37 s request fails it.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private PhyghtStack Stack => fixture.Stack;

    private sealed record Case(string Method, string Path, string? Body, string Name);

    [Fact]
    public async Task Every_operation_answers_hostile_input_with_a_4xx_problem_in_bounded_time_and_changes_nothing()
    {
        var admin = await Accounts.AdminAsync(Stack);
        ApiUser[] callers = [Accounts.Anonymous(Stack), await Accounts.NewAsync(Stack), await Accounts.NewAsync(Stack, "moderator"), admin];
        var target = (await admin.CreateVideoAsync(new { title = "Fuzz target" }))["id"]!.GetValue<string>();
        using var openApi = JsonDocument.Parse(await callers[0].Http.GetStringAsync("/openapi/v1.json"));
        var cases = Cases(openApi.RootElement, target, new Random(Seed)).ToList();
        output.WriteLine($"seed {Seed}: {cases.Count} cases × {callers.Length} callers");
        var blobs = new BlobServiceClient(await Stack.ConnectionStringAsync("blobs"));

        var failures = new List<string>();
        var slowest = (Elapsed: TimeSpan.Zero, Case: "");
        foreach (var caller in callers)
        {
            // Deletes last: an accepted delete ends the target's other cases.
            foreach (var c in cases.OrderBy(c => c.Method == "DELETE"))
            {
                var before = await FingerprintAsync(blobs);
                using var request = caller.Request(new HttpMethod(c.Method), c.Path);
                if (c.Body is not null)
                {
                    request.Content = new StringContent(c.Body, Encoding.UTF8, "application/json");
                }
                var started = Stopwatch.GetTimestamp();
                HttpResponseMessage response;
                try
                {
                    response = await caller.Http.SendAsync(request);
                }
                catch (HttpRequestException ex) when (c.Body?.Length > MaxJsonBody)
                {
                    // Refusing an over-limit body, the server may answer 413 and close before the client finishes
                    // sending; the client then sees the reset. Refused either way: nothing may have changed.
                    output.WriteLine($"{caller.Role} {c.Method} {Short(c.Path)} [{c.Name}]: connection closed ({ex.InnerException?.Message})");
                    if (await FingerprintAsync(blobs) != before)
                    {
                        failures.Add($"{caller.Role} {c.Method} {Short(c.Path)} [{c.Name}]: an over-limit body changed state");
                    }
                    continue;
                }
                using var _ = response;
                var body = await response.Content.ReadAsStringAsync();
                var elapsed = Stopwatch.GetElapsedTime(started);
                var label = $"{caller.Role} {c.Method} {Short(c.Path)} [{c.Name}] → {(int)response.StatusCode}";
                if (elapsed > slowest.Elapsed && !response.IsSuccessStatusCode)
                {
                    slowest = (elapsed, label);
                }
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"{label}: {body[..Math.Min(300, body.Length)]}");
                }
                else if ((int)response.StatusCode >= 400)
                {
                    // Kestrel refuses a malformed request line (a NUL in the path) before any middleware runs, with an
                    // empty 400: the request never reached the API, so there is nothing it could describe.
                    var refusedByKestrel = body.Length == 0 && response.StatusCode == HttpStatusCode.BadRequest && c.Name.StartsWith("id=", StringComparison.Ordinal);
                    if (!refusedByKestrel && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    {
                        failures.Add($"{label}: not problem details ({response.Content.Headers.ContentType})");
                    }
                    if (await FingerprintAsync(blobs) is var after && after != before)
                    {
                        failures.Add($"{label}: a refused request changed state ({before} → {after})");
                    }
                }
                if (elapsed > Bound)
                {
                    failures.Add($"{label}: took {elapsed.TotalSeconds:0.0} s");
                }
            }
        }
        output.WriteLine($"slowest refused request: {slowest.Case} in {slowest.Elapsed.TotalMilliseconds:0} ms (client-side)");
        Assert.True(failures.Count == 0, $"seed {Seed}, {failures.Count} failures:\n" + string.Join("\n", failures.Take(40)));
    }

    private static string Short(string text) => text.Length > 100 ? text[..100] + "…" : text;

    /// <summary>What a refused request must not change: row counts, the sum of versions, deletions, and blobs.</summary>
    private async Task<string> FingerprintAsync(BlobServiceClient blobs)
    {
        var rows = await Database.ScalarAsync<string>(Stack, """
            SELECT concat_ws(',', (SELECT count(*) FROM videos), (SELECT coalesce(sum(version), 0) FROM videos),
                (SELECT count(*) FROM videos WHERE deleted_at IS NOT NULL), (SELECT count(*) FROM crdt_operations),
                (SELECT count(*) FROM profiles), (SELECT count(*) FROM processing_jobs), (SELECT count(*) FROM refresh_tokens),
                (SELECT count(*) FROM "AspNetUsers"))
            """);
        var count = 0;
        foreach (var container in new[] { "videos", "thumbnails" })
        {
            var client = blobs.GetBlobContainerClient(container);
            if (await client.ExistsAsync())
            {
                await foreach (var _ in client.GetBlobsAsync())
                {
                    count++;
                }
            }
        }
        return $"{rows},blobs={count}";
    }

    private static readonly string Huge = new('x', 100_000);
    private const int MaxJsonBody = 1_048_576;

    /// <summary>Values for a query or path parameter, as they go on the wire.</summary>
    private static readonly (string Name, string Value)[] HostileQueryValues =
    [
        ("empty", ""), ("nul", "%00"), ("nul-inside", "a%00b"), ("control", "%01%1F"), ("del", "%7F"), ("bad-utf8", "%FF%FE"),
        ("huge", new string('x', 4_000)), ("negative", "-1"), ("zero", "0"), ("overflow", "99999999999999999999"),
        ("float", "1e309"), ("bool", "true"), ("json", "%7B%22a%22%3A1%7D"), ("space", "%20%20"),
    ];

    /// <summary>Values for a JSON property, as JSON text.</summary>
    private static readonly (string Name, string Json)[] HostileJsonValues =
    [
        ("null", "null"), ("true", "true"), ("negative", "-1"), ("int64-max", "9223372036854775807"), ("beyond-int64", "1e400"),
        ("2^53+1", "9007199254740993"), ("nul", "\"a\\u0000b\""), ("control", "\"\\u0001\\u001b\""), ("huge-string", $"\"{Huge}\""),
        ("huge-array", "[" + string.Join(",", Enumerable.Repeat("\"t\"", 60_000)) + "]"), ("nested", "{\"a\":{\"b\":{\"c\":[1,[2,[3]]]}}}"),
        ("empty-string", "\"\""), ("empty-array", "[]"), ("lone-surrogate", "\"\\ud800\""),
    ];

    private static IEnumerable<Case> Cases(JsonElement openApi, string target, Random random)
    {
        foreach (var path in openApi.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var method = operation.Name.ToUpperInvariant();
                var parameters = operation.Value.TryGetProperty("parameters", out var p) ? p.EnumerateArray().ToList() : [];
                string Route(string id) => path.Name.Replace("{id}", id);
                var route = Route(target);
                yield return new Case(method, Route(Guid.NewGuid().ToString()), Body(operation.Value, "{}"), "unknown id");
                foreach (var (name, value) in HostileQueryValues.Where(_ => path.Name.Contains("{id}")))
                {
                    yield return new Case(method, Route(value), null, $"id={name}");
                }
                foreach (var parameter in parameters.Where(x => x.GetProperty("in").GetString() == "query"))
                {
                    var parameterName = parameter.GetProperty("name").GetString()!;
                    foreach (var (name, value) in HostileQueryValues)
                    {
                        var query = $"{parameterName}={value}";
                        if (parameterName != "video_id" && parameters.Any(x => x.GetProperty("name").GetString() == "video_id"))
                        {
                            query += $"&video_id={target}";
                        }
                        yield return new Case(method, $"{route}?{query}", null, $"{parameterName}={name}");
                    }
                }
                if (!operation.Value.TryGetProperty("requestBody", out var requestBody) || !requestBody.GetProperty("content").TryGetProperty("application/json", out var json))
                {
                    continue;
                }
                foreach (var (name, raw) in new[]
                {
                    ("empty body", ""), ("null", "null"), ("array", "[]"), ("string", "\"s\""), ("number", "1"), ("empty object", "{}"),
                    ("malformed", "{\"a\":"), ("deep nesting", new string('[', 100_000) + new string(']', 100_000)),
                    ("over the body limit", $"{{\"title\":\"{new string('x', 1_100_000)}\"}}"), ("unknown field", "{\"zzz\":1,\"__proto__\":{}}"),
                })
                {
                    yield return new Case(method, route, raw, name);
                }
                foreach (var property in Properties(json.GetProperty("schema"), openApi))
                {
                    foreach (var (name, value) in HostileJsonValues)
                    {
                        var others = Properties(json.GetProperty("schema"), openApi).Where(o => o != property && random.Next(2) == 0)
                            .Select(o => $"\"{o}\":{Plausible(o, target)}");
                        var body = "{" + string.Join(",", others.Append($"\"{property}\":{value}")) + "}";
                        yield return new Case(method, route, body, $"{property}={name}");
                    }
                }
            }
        }
    }

    private static string? Body(JsonElement operation, string body) =>
        operation.TryGetProperty("requestBody", out _) ? body : null;

    /// <summary>A valid-looking value for a property, so each hostile value meets otherwise plausible bodies.</summary>
    private static string Plausible(string property, string target) => property switch
    {
        "video_id" or "videoId" => $"\"{target}\"",
        "title" => "\"Fuzzed\"",
        "tags" => "[\"mma\"]",
        "operations" => "[]",
        "email" => "\"nobody@example.test\"",
        "password" => "\"not-the-password\"",
        _ => "null",
    };

    /// <summary>The property names of a request schema (following $ref into components).</summary>
    private static IEnumerable<string> Properties(JsonElement schema, JsonElement openApi)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            schema = openApi.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }
        return schema.TryGetProperty("properties", out var properties) ? properties.EnumerateObject().Select(p => p.Name).ToList() : [];
    }
}
