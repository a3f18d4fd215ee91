using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class ListOrderIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_videos_category_created_at",
                table: "videos");

            migrationBuilder.DropIndex(
                name: "ix_videos_is_featured_created_at",
                table: "videos");

            migrationBuilder.DropIndex(
                name: "ix_videos_status_created_at",
                table: "videos");

            migrationBuilder.CreateIndex(
                name: "ix_videos_category_created_at_id",
                table: "videos",
                columns: new[] { "category", "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_videos_is_featured_created_at_id",
                table: "videos",
                columns: new[] { "is_featured", "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_videos_status_created_at_id",
                table: "videos",
                columns: new[] { "status", "created_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_videos_category_created_at_id",
                table: "videos");

            migrationBuilder.DropIndex(
                name: "ix_videos_is_featured_created_at_id",
                table: "videos");

            migrationBuilder.DropIndex(
                name: "ix_videos_status_created_at_id",
                table: "videos");

            migrationBuilder.CreateIndex(
                name: "ix_videos_category_created_at",
                table: "videos",
                columns: new[] { "category", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_videos_is_featured_created_at",
                table: "videos",
                columns: new[] { "is_featured", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_videos_status_created_at",
                table: "videos",
                columns: new[] { "status", "created_at" });
        }
    }
}
