using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class UploadSessions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "upload_sessions",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    video_id = table.Column<Guid>(type: "uuid", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: false),
                    blob_path = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    trace_parent = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_upload_sessions", x => x.id);
                    table.ForeignKey(
                        name: "fk_upload_sessions_profiles_user_id",
                        column: x => x.user_id,
                        principalTable: "profiles",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_upload_sessions_videos_video_id",
                        column: x => x.video_id,
                        principalTable: "videos",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_upload_sessions_expires_at",
                table: "upload_sessions",
                column: "expires_at",
                filter: "completed_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_upload_sessions_user_id",
                table: "upload_sessions",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_upload_sessions_video_id",
                table: "upload_sessions",
                column: "video_id");

            // The API reads and writes its callers' own sessions; the worker's housekeeping sweeps abandoned ones.
            migrationBuilder.Sql("""
                ALTER TABLE upload_sessions ENABLE ROW LEVEL SECURITY;
                CREATE POLICY upload_sessions_own ON upload_sessions TO phyght_api
                    USING (user_id = (SELECT phyght_caller_id())) WITH CHECK (user_id = (SELECT phyght_caller_id()));
                CREATE POLICY upload_sessions_sweep ON upload_sessions TO phyght_worker USING (true);
                GRANT SELECT, INSERT, UPDATE ON upload_sessions TO phyght_api;
                GRANT SELECT, DELETE ON upload_sessions TO phyght_worker;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "upload_sessions");
        }
    }
}
