using System.Text.Json;
using System.Text.Json.Nodes;
using Phyght.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Phyght.Tests.Integration;

/// <summary>The OpenAPI document is what clients are generated from: it passes Redocly's recommended rules, and the
/// copy the TypeScript SDK generates its types from (<c>clients/js/openapi.json</c>) is the one the API serves.</summary>
[Collection(StackCollection.Name)]
public sealed class OpenApiDocumentTests(StackFixture fixture, ITestOutputHelper output)
{
    private const string CommittedDocument = "clients/js/openapi.json";
    private PhyghtStack Stack => fixture.Stack;

    [Fact]
    public async Task The_OpenAPI_document_passes_redocly_recommended_rules()
    {
        var file = Path.Combine(Path.GetTempPath(), $"phyght-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await Accounts.Anonymous(Stack).Http.GetStringAsync("/openapi/v1.json"));
        try
        {
            var report = await LintAsync(file);
            var problems = report.GetProperty("problems").EnumerateArray()
                .Select(p => (Severity: p.GetProperty("severity").GetString(),
                    Text: $"{p.GetProperty("ruleId").GetString()} at {p.GetProperty("location")[0].GetProperty("pointer").GetString()}: {p.GetProperty("message").GetString()}"))
                .ToList();
            foreach (var (severity, text) in problems)
            {
                output.WriteLine($"{severity}: {text}");
            }
            var errors = report.GetProperty("totals").GetProperty("errors").GetInt32();
            Assert.True(errors == 0, $"redocly lint found {errors} errors:\n" + string.Join("\n", problems.Where(p => p.Severity == "error").Select(p => p.Text)));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_committed_client_document_matches_the_API()
    {
        var served = JsonNode.Parse(await Accounts.Anonymous(Stack).Http.GetStringAsync("/openapi/v1.json"));
        var path = Path.Combine(Repository.Root(), CommittedDocument);
        var committed = File.Exists(path) ? JsonNode.Parse(await File.ReadAllTextAsync(path)) : null;
        Assert.True(JsonNode.DeepEquals(served, committed), $"{CommittedDocument} is stale: run scripts/update-openapi.sh");
    }

    /// <summary>Redocly's JSON report of the file, linted with the recommended rules whatever config the repository has.</summary>
    private static async Task<JsonElement> LintAsync(string file)
    {
        var node = await NodeProcess.RunAsync(Repository.Root(),
            ["node_modules/@redocly/cli/bin/cli.js", "lint", "--extends=recommended", "--format=json", "--max-problems=1000", file],
            new Dictionary<string, string> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" },
            TimeSpan.FromMinutes(2));
        // It exits 1 when it finds errors; the report on stdout says which.
        Assert.True(node.Output.TrimStart().StartsWith('{'), $"redocly lint did not report (exit {node.ExitCode}): {node.Error}");
        return JsonDocument.Parse(node.Output).RootElement.Clone();
    }
}
