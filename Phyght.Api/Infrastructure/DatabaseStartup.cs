using Phyght.Api.Auth;

namespace Phyght.Api.Infrastructure;

public static class DatabaseStartup
{
    /// <summary>Creates the bootstrap admin on a database that has none. The schema is already current: the API starts
    /// after the migrator (the <c>migrations</c> resource) has exited.</summary>
    public static async Task EnsureBootstrapAdminAsync(this WebApplication app)
    {
        using var scope = app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<BootstrapAdmin>().EnsureAsync(CancellationToken.None);
    }
}
