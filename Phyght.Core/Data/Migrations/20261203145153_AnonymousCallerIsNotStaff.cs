using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <summary>
    /// A caller without a user (anonymous) is not staff, decided without calling <c>phyght_caller_role()</c>. The read
    /// policies ask <c>phyght_caller_is_staff()</c> in every statement, and the role function, a definer's-rights
    /// function with its own search path, is never inlined: PostgreSQL planned and ran its profiles lookup for every
    /// anonymous page too, which cost a third of the database's throughput for the catalogue's default page.
    /// </summary>
    public partial class AnonymousCallerIsNotStaff : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION phyght_caller_is_staff() RETURNS boolean LANGUAGE sql STABLE AS
                    $$ SELECT phyght_caller_id() IS NOT NULL AND coalesce(phyght_caller_role() IN ('admin', 'moderator'), false) $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION phyght_caller_is_staff() RETURNS boolean LANGUAGE sql STABLE AS
                    $$ SELECT coalesce(phyght_caller_role() IN ('admin', 'moderator'), false) $$;
                """);
        }
    }
}
