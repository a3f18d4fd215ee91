using Phyght.Core.Data;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>The migrator skips EF when the history lists every migration of the build; one missing from the history
/// must send it to EF again.</summary>
[Collection(StackCollection.Name)]
public sealed class SchemaHistoryTests(StackFixture fixture)
{
    [Fact]
    public async Task The_schema_is_current_only_while_the_history_lists_every_migration_of_the_build()
    {
        await using var owner = await LoginConnection.OpenAsync(fixture.Stack, "phyght-owner");
        Assert.True(await SchemaHistory.IsCurrentAsync(owner, CancellationToken.None));

        await using var transaction = await owner.BeginTransactionAsync();
        await LoginConnection.RunAsync(owner, """
            DELETE FROM "__EFMigrationsHistory" WHERE migration_id = (SELECT max(migration_id) FROM "__EFMigrationsHistory")
            """);
        Assert.False(await SchemaHistory.IsCurrentAsync(owner, CancellationToken.None));
        await transaction.RollbackAsync();

        Assert.True(await SchemaHistory.IsCurrentAsync(owner, CancellationToken.None));
    }
}
