using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <summary>
    /// <c>phyght_prefix_query</c> (see <see cref="PhyghtDbContext.PrefixQuery"/>): the search text's words, as
    /// PostgreSQL's parser splits them for <c>search_vector</c>, each as a prefix. The lexemes are cast, not re-parsed:
    /// <c>to_tsquery</c> would split a word such as <c>000e6393d8</c> differently alone than inside <c>kimura-000e6393d8</c>.
    /// </summary>
    public partial class PrefixSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION phyght_prefix_query(search text) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                    SELECT string_agg(quote_literal(lexeme) || ':*', ' & ')::tsquery FROM unnest(to_tsvector('simple', search))
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION phyght_prefix_query(text);");
        }
    }
}
