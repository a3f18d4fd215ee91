using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <summary>Retried writes replay their first answer (api.md "Retries"): one row per user and key, readable and
    /// writable by the API for its caller's own keys only.</summary>
    public partial class IdempotencyKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "idempotency_keys",
                columns: table => new
                {
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    key = table.Column<string>(type: "text", nullable: false),
                    request_hash = table.Column<string>(type: "text", nullable: false),
                    status_code = table.Column<int>(type: "integer", nullable: true),
                    content_type = table.Column<string>(type: "text", nullable: true),
                    location = table.Column<string>(type: "text", nullable: true),
                    response_body = table.Column<byte[]>(type: "bytea", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_idempotency_keys", x => new { x.user_id, x.key });
                    table.ForeignKey(
                        name: "fk_idempotency_keys_profiles_user_id",
                        column: x => x.user_id,
                        principalTable: "profiles",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.Sql("""
                ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
                CREATE POLICY idempotency_keys_own ON idempotency_keys TO phyght_api
                    USING (user_id = (SELECT phyght_caller_id())) WITH CHECK (user_id = (SELECT phyght_caller_id()));
                GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO phyght_api;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "idempotency_keys");
        }
    }
}
