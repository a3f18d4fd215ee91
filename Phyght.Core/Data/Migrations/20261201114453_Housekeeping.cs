using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <summary>The worker's housekeeping removes old published change-feed rows (by age, hence the index) and old
    /// finished jobs.</summary>
    public partial class Housekeeping : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_change_feed_created_at",
                table: "change_feed",
                column: "created_at");

            migrationBuilder.Sql("GRANT DELETE ON change_feed, processing_jobs TO phyght_worker;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("REVOKE DELETE ON change_feed, processing_jobs FROM phyght_worker;");
            migrationBuilder.DropIndex(
                name: "ix_change_feed_created_at",
                table: "change_feed");
        }
    }
}
