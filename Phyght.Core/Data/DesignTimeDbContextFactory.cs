using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Phyght.Core.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<PhyghtDbContext>
{
    public PhyghtDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<PhyghtDbContext>()
            .UseNpgsql("Host=localhost;Database=phyght_design", PhyghtDbContext.ConfigureNpgsql);
        PhyghtDbContext.Configure(options);
        return new PhyghtDbContext(options.Options);
    }
}
