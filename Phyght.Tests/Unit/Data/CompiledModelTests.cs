using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Phyght.Core.Data;

namespace Phyght.Tests.Unit.Data;

/// <summary>
/// Both contexts run on the compiled models in <c>Phyght.Core/Data/CompiledModels</c> (building a model from
/// <c>OnModelCreating</c> cost each service about half a second of its start). A compiled model is generated code: when
/// the mapping changes it must be generated again, and these tests fail until it is.
/// </summary>
public sealed class CompiledModelTests
{
    public static TheoryData<string> Contexts => [nameof(PhyghtDbContext), nameof(AccountsDbContext)];

    [Theory]
    [MemberData(nameof(Contexts))]
    public void The_compiled_model_maps_every_table_column_and_key_as_OnModelCreating_does(string name)
    {
        using DbContext db = name == nameof(PhyghtDbContext)
            ? new DesignTimeDbContextFactory().CreateDbContext([])
            : new AccountsDesignTimeDbContextFactory().CreateDbContext([]);
        var compiled = db.Model;
        var built = db.GetService<IDesignTimeModel>().Model;

        Assert.True(compiled is RuntimeModel, $"{name} does not use its compiled model");
        var folder = name == nameof(PhyghtDbContext) ? "Phyght" : "Accounts";
        Assert.True(Describe(built).SequenceEqual(Describe(compiled)),
            $"{name}'s compiled model is stale; generate it again: dotnet ef dbcontext optimize --project Phyght.Core --context {name} "
            + $"--output-dir Data/CompiledModels/{folder} --namespace Phyght.Core.Data.CompiledModels.{folder}\n"
            + $"only OnModelCreating: {string.Join("; ", Describe(built).Except(Describe(compiled)))}\n"
            + $"only compiled: {string.Join("; ", Describe(compiled).Except(Describe(built)))}");
    }

    /// <summary>What a query or a save depends on: each entity's table, its properties' columns, store types, nullability
    /// and conversions, its keys, foreign keys and the number of its query filters.</summary>
    private static IEnumerable<string> Describe(IModel model) =>
        model.GetEntityTypes().OrderBy(e => e.Name).SelectMany(entity =>
            new[] { $"{entity.Name} -> {entity.GetSchemaQualifiedTableName()} filter {entity.GetDeclaredQueryFilters().Count}" }
                .Concat(entity.GetProperties().Select(p =>
                    $"{entity.Name}.{p.Name}: {p.GetColumnName()} {p.GetColumnType()} {(p.IsNullable ? "null" : "not null")} "
                    + $"{p.ClrType} {p.GetTypeMapping().Converter?.GetType()} {p.ValueGenerated} {p.IsConcurrencyToken} sentinel {p.Sentinel}"))
                .Concat(entity.GetKeys().Select(k =>
                    $"{entity.Name} {(k.IsPrimaryKey() ? "primary" : "alternate")} key {string.Join(",", k.Properties.Select(p => p.Name))}"))
                .Concat(entity.GetForeignKeys().Select(f =>
                    $"{entity.Name} fk {string.Join(",", f.Properties.Select(p => p.Name))} -> {f.PrincipalEntityType.Name}"
                    + $"({string.Join(",", f.PrincipalKey.Properties.Select(p => p.Name))}) {f.DeleteBehavior} required {f.IsRequired} unique {f.IsUnique}")))
            .Concat(model.GetDbFunctions().Select(f => $"function {f.Name} {f.StoreType}").OrderBy(f => f));
}
