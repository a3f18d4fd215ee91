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
    public static async Task<InProcessApi> StartAsync(PhyghtStack stack)
    {
        string Secret(string name) => File.ReadAllText(Path.Combine(stack.DataPath, name)).Trim();
        var api = new InProcessApi(new Dictionary<string, string>
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
        });
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
