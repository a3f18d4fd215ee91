using Microsoft.EntityFrameworkCore.Migrations;
using NpgsqlTypes;

#nullable disable

namespace Phyght.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class FullTextSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_videos_description",
                table: "videos");

            migrationBuilder.DropIndex(
                name: "ix_videos_title",
                table: "videos");

            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:Enum:job_state", "dead,failed,queued,running,succeeded")
                .Annotation("Npgsql:Enum:user_role", "admin,moderator,user")
                .Annotation("Npgsql:Enum:video_status", "failed,processing,ready,uploading")
                .OldAnnotation("Npgsql:Enum:job_state", "dead,failed,queued,running,succeeded")
                .OldAnnotation("Npgsql:Enum:user_role", "admin,moderator,user")
                .OldAnnotation("Npgsql:Enum:video_status", "failed,processing,ready,uploading")
                .OldAnnotation("Npgsql:PostgresExtension:pg_trgm", ",,");

            migrationBuilder.AddColumn<NpgsqlTsVector>(
                name: "search_vector",
                table: "videos",
                type: "tsvector",
                nullable: true)
                .Annotation("Npgsql:TsVectorConfig", "simple")
                .Annotation("Npgsql:TsVectorProperties", new[] { "title", "description" });

            migrationBuilder.CreateIndex(
                name: "ix_videos_search_vector",
                table: "videos",
                column: "search_vector")
                .Annotation("Npgsql:IndexMethod", "GIN");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_videos_search_vector",
                table: "videos");

            migrationBuilder.DropColumn(
                name: "search_vector",
                table: "videos");

            migrationBuilder.AlterDatabase()
                .Annotation("Npgsql:Enum:job_state", "dead,failed,queued,running,succeeded")
                .Annotation("Npgsql:Enum:user_role", "admin,moderator,user")
                .Annotation("Npgsql:Enum:video_status", "failed,processing,ready,uploading")
                .Annotation("Npgsql:PostgresExtension:pg_trgm", ",,")
                .OldAnnotation("Npgsql:Enum:job_state", "dead,failed,queued,running,succeeded")
                .OldAnnotation("Npgsql:Enum:user_role", "admin,moderator,user")
                .OldAnnotation("Npgsql:Enum:video_status", "failed,processing,ready,uploading");

            migrationBuilder.CreateIndex(
                name: "ix_videos_description",
                table: "videos",
                column: "description")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_videos_title",
                table: "videos",
                column: "title")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
        }
    }
}
