using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Phyght.Tests.Infrastructure;

#pragma warning disable ASPIREPROBES001 // Probes are what the Kubernetes and Container Apps publishers read.

namespace Phyght.Tests.EndToEnd;

/// <summary>The manifest the README's publish command writes is one an orchestrator can deploy: nothing in it names this
/// machine, every secret is a parameter, every connection string resolves to a declared resource.</summary>
public sealed partial class ManifestTests
{
    private const string AzuriteDevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    [Fact]
    public async Task The_published_manifest_names_no_local_process_path_or_development_key()
    {
        var manifest = await PublishAsync();
        var resources = manifest.GetProperty("resources").EnumerateObject().ToDictionary(r => r.Name, r => r.Value);
        var text = manifest.GetRawText();

        Assert.DoesNotContain(resources, r => r.Value.GetProperty("type").GetString() == "executable.v0");
        Assert.Equal("container.v0", resources["postgres"].GetProperty("type").GetString());
        Assert.Equal("container.v0", resources["redis"].GetProperty("type").GetString());
        Assert.Equal("parameter.v0", resources["blobs"].GetProperty("type").GetString());
        foreach (var local in new[] { Repository.Root(), ".phyght", "node_modules", "setpriv", "/usr/lib", "127.0.0.1", "devstoreaccount1", AzuriteDevelopmentKey, "UseDevelopmentStorage" })
        {
            Assert.DoesNotContain(local, text);
        }
        foreach (var project in resources.Where(r => r.Value.GetProperty("type").GetString() == "project.v0"))
        {
            Assert.False(Path.IsPathRooted(project.Value.GetProperty("path").GetString()), $"{project.Key}'s project path is relative to the manifest");
        }
    }

    [Fact]
    public async Task Every_reference_in_the_manifest_resolves_and_every_credential_is_a_secret_parameter()
    {
        var manifest = await PublishAsync();
        var resources = manifest.GetProperty("resources").EnumerateObject().ToDictionary(r => r.Name, r => r.Value);

        foreach (Match reference in Placeholder().Matches(manifest.GetRawText()))
        {
            Assert.True(resources.ContainsKey(reference.Groups["resource"].Value), $"{reference.Value} names a resource the manifest declares");
        }
        var projects = new[] { "migrations", "api", "worker" };
        foreach (var name in projects)
        {
            var env = resources[name].GetProperty("env").EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()!);
            var connectionStrings = env.Where(e => e.Key.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(connectionStrings);
            foreach (var (key, value) in connectionStrings)
            {
                var source = Regex.Match(value, @"^\{(?<resource>[^.{}]+)\.connectionString\}$");
                Assert.True(source.Success, $"{name}: {key} is a resource's connection string, not a literal ({value})");
                Assert.Contains(resources[source.Groups["resource"].Value].GetProperty("type").GetString(), new[] { "container.v0", "parameter.v0", "value.v0" });
            }
            foreach (var (key, value) in env.Where(e => Regex.IsMatch(e.Key, "Password|SigningKey", RegexOptions.IgnoreCase)))
            {
                var parameter = Regex.Match(value, @"^\{(?<resource>[^.{}]+)\.value\}$");
                Assert.True(parameter.Success, $"{name}: {key} comes from a parameter ({value})");
                Assert.True(resources[parameter.Groups["resource"].Value].GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean(),
                    $"{name}: {key}'s parameter is secret");
            }
        }
        // The API reads its signing key as base64 of 48 bytes: the generated value is 64 base64-safe characters.
        var signingKey = resources["jwt-signing-key"].GetProperty("inputs").GetProperty("value").GetProperty("default").GetProperty("generate");
        Assert.Equal(64, signingKey.GetProperty("minLength").GetInt32());
        Assert.False(signingKey.GetProperty("special").GetBoolean());
        // The services connect as their own logins; only the one-shot migrations resource sees the superuser.
        Assert.Equal("{phyght-api.connectionString}", Env(resources["api"], "ConnectionStrings__phyght"));
        Assert.Equal("{phyght-worker.connectionString}", Env(resources["worker"], "ConnectionStrings__phyght"));
        Assert.Equal("{postgres.connectionString}", Env(resources["migrations"], "ConnectionStrings__postgres"));
        Assert.DoesNotContain(resources["api"].GetProperty("env").EnumerateObject(), e => e.Value.GetString()!.Contains("{postgres.connectionString}"));
    }

    [Fact]
    public async Task Published_the_api_and_the_worker_run_replicated_and_probed_and_migrations_run_first()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Phyght_AppHost>(
            ["--publisher", "manifest", "--output-path", Path.Combine(Path.GetTempPath(), $"phyght-manifest-{Guid.NewGuid():N}")]);
        Assert.True(builder.ExecutionContext.IsPublishMode);
        var projects = builder.Resources.OfType<ProjectResource>().ToDictionary(p => p.Name);

        foreach (var name in new[] { "api", "worker" })
        {
            Assert.True(projects[name].TryGetLastAnnotation<ReplicaAnnotation>(out var replicas) && replicas.Replicas >= 2, $"{name} runs at least two replicas");
            var probes = projects[name].Annotations.OfType<EndpointProbeAnnotation>().ToDictionary(p => p.Type, p => p.Path);
            Assert.Equal("/alive", probes[ProbeType.Liveness]);
            Assert.Equal("/health", probes[ProbeType.Readiness]);
            Assert.Contains(projects[name].Annotations.OfType<WaitAnnotation>(), w => w.Resource.Name == "migrations" && w.WaitType == WaitType.WaitForCompletion);
        }
    }

    private static string Env(JsonElement resource, string name) => resource.GetProperty("env").GetProperty(name).GetString()!;

    /// <summary>The README's publish command, run as an operator runs it.</summary>
    private static async Task<JsonElement> PublishAsync()
    {
        // Inside the repository, as the README's command writes it: project paths are then relative to the checkout.
        var output = Path.Combine(Repository.Root(), "artifacts", $"manifest-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Repository.Root(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "run", "--no-build", "--project", "Phyght.AppHost", "--", "--publisher", "manifest", "--output-path", output })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, $"publishing failed: {await stdout}\n{await stderr}");
        try
        {
            return JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "aspire-manifest.json"))).RootElement.Clone();
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [GeneratedRegex(@"\{(?<resource>[A-Za-z0-9-]+)\.(?:connectionString|value|bindings\.[^}]+|inputs\.[^}]+)\}")]
    private static partial Regex Placeholder();
}
