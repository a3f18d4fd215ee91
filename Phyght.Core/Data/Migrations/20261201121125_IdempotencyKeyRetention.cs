using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <summary>The worker's housekeeping removes idempotency keys past their 24 h.</summary>
    public partial class IdempotencyKeyRetention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                GRANT SELECT, DELETE ON idempotency_keys TO phyght_worker;
                CREATE POLICY idempotency_keys_housekeeping ON idempotency_keys FOR DELETE TO phyght_worker USING (true);
                CREATE POLICY idempotency_keys_housekeeping_read ON idempotency_keys FOR SELECT TO phyght_worker USING (true);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP POLICY idempotency_keys_housekeeping_read ON idempotency_keys;
                DROP POLICY idempotency_keys_housekeeping ON idempotency_keys;
                REVOKE SELECT, DELETE ON idempotency_keys FROM phyght_worker;
                """);
        }
    }
}
