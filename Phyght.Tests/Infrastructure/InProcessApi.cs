extern alias PhyghtApi;

using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Phyght.Tests.Infrastructure;

/// <summary>
/// One more API instance, hosted in the test process on the stack's real PostgreSQL, Redis and Azurite, so a test
/// can watch its instruments with a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
internal sealed class InProcessApi(IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<PhyghtApi::Program>
{
    /// <summary>Starts an instance; <paramref name="overrides"/> sets more configuration (e.g. a smaller bound to reach).</summary>
    public static async Task<InProcessApi> StartAsync(PhyghtStack stack, IReadOnlyDictionary<string, string>? overrides = null)
    {
        string Secret(string name) => File.ReadAllText(Path.Combine(stack.DataPath, name)).Trim();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:phyght"] = await stack.ConnectionStringAsync("phyght-api"),
            ["ConnectionStrings:phyght-accounts"] = await stack.ConnectionStringAsync("phyght-accounts"),
            ["ConnectionStrings:redis"] = await stack.ConnectionStringAsync("redis"),
            ["ConnectionStrings:blobs"] = await stack.ConnectionStringAsync("blobs"),
            ["Auth:Jwt:SigningKey"] = Secret("jwt-signing-key.secret"),
            ["Auth:BootstrapAdmin:Email"] = Accounts.AdminEmail,
            ["Auth:BootstrapAdmin:Password"] = Secret("admin-password.secret"),
            ["RateLimits:Auth:PermitLimit"] = "100000",
            ["RateLimits:General:PermitLimit"] = "1000000",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        var api = new InProcessApi(settings);
        api.StartServer();
        return api;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
