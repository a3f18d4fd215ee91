using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Phyght.Core.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> and <c>dotnet ef dbcontext optimize</c> build the model without a running database.</summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<PhyghtDbContext>
{
    public PhyghtDbContext CreateDbContext(string[] args) => new(DesignTimeOptions<PhyghtDbContext>());

    internal static DbContextOptions<T> DesignTimeOptions<T>() where T : DbContext
    {
        var options = new DbContextOptionsBuilder<T>().UseNpgsql("Host=localhost;Database=phyght_design", PhyghtDbContext.ConfigureNpgsql);
        PhyghtDbContext.Configure(options);
        return options.Options;
    }
}

/// <summary>Lets <c>dotnet ef dbcontext optimize</c> build the accounts model without a running database.</summary>
public sealed class AccountsDesignTimeDbContextFactory : IDesignTimeDbContextFactory<AccountsDbContext>
{
    public AccountsDbContext CreateDbContext(string[] args) => new(DesignTimeDbContextFactory.DesignTimeOptions<AccountsDbContext>());
}
