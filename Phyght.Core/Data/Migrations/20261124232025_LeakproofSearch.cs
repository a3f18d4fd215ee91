using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <summary>
    /// Under row level security PostgreSQL uses an index for a condition only if the condition's function is marked
    /// leakproof (it cannot reveal rows the policies hide through errors or side effects). Text-search matching and enum
    /// equality are such functions but are not marked, so every search by a <c>phyght_app</c> session scanned the whole
    /// table (275 ms for a rare word at a million videos, 16 ms with the GIN index). Marking them needs a superuser;
    /// elsewhere the migration warns and searches stay correct, only slower.
    /// </summary>
    public partial class LeakproofSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DO $$ BEGIN
                    ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF;
                    ALTER FUNCTION enum_eq(anyenum, anyenum) LEAKPROOF;
                EXCEPTION WHEN insufficient_privilege THEN
                    RAISE WARNING 'Not a superuser: text search and enum filters cannot use indexes under row level security';
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DO $$ BEGIN
                    ALTER FUNCTION ts_match_vq(tsvector, tsquery) NOT LEAKPROOF;
                    ALTER FUNCTION enum_eq(anyenum, anyenum) NOT LEAKPROOF;
                EXCEPTION WHEN insufficient_privilege THEN
                    NULL;
                END $$;
                """);
        }
    }
}
