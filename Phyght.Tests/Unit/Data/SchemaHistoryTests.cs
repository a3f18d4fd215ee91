using Microsoft.EntityFrameworkCore;
using Phyght.Core.Data;

namespace Phyght.Tests.Unit.Data;

public sealed class SchemaHistoryTests
{
    [Fact]
    public void The_migrations_of_the_build_are_the_ones_EF_would_apply()
    {
        var options = new DbContextOptionsBuilder<PhyghtDbContext>()
            .UseNpgsql("Host=unused", PhyghtDbContext.ConfigureNpgsql).Options;
        using var db = new PhyghtDbContext(options);

        var efMigrations = db.Database.GetMigrations().ToList();

        Assert.NotEmpty(efMigrations);
        Assert.Equal(efMigrations.Order(), SchemaHistory.MigrationsInBuild.Order());
    }
}
