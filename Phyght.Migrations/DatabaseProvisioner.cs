using Npgsql;

namespace Phyght.Migrations;

/// <summary>
/// What only a superuser may do, done once per start before the schema is migrated and before any service connects:
/// the database, its logins (none of them superuser, none bypassing row level security), its ownership, and the
/// builtin functions row level security needs marked leakproof. Everything after that (tables, grants, policies) is
/// the migrations' work, done as the owner login.
/// </summary>
public static class DatabaseProvisioner
{
    public static async Task EnsureDatabaseAsync(string superuser, ProvisioningOptions database, CancellationToken ct)
    {
        await using var server = new NpgsqlConnection(superuser);
        await server.OpenAsync(ct);
        // CREATE/ALTER ROLE carry passwords: this session's statements are never written to the server's log.
        await ExecuteAsync(server, "SET log_statement = 'none'; SET log_min_error_statement = 'panic'; SET log_min_duration_statement = -1", ct);
        if (await ScalarAsync(server, "SELECT 1 FROM pg_database WHERE datname = @name", ct, ("name", database.Database)) is null)
        {
            await ExecuteAsync(server, $"CREATE DATABASE {Quote(database.Database)}", ct);
        }
        foreach (var login in database.Logins)
        {
            var exists = await ScalarAsync(server, "SELECT 1 FROM pg_roles WHERE rolname = @name", ct, ("name", login.Role)) is not null;
            await ExecuteAsync(server,
                $"{(exists ? "ALTER" : "CREATE")} ROLE {Quote(login.Role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD {Literal(login.Password)}", ct);
        }
        await ExecuteAsync(server, $"REVOKE ALL ON DATABASE {Quote(database.Database)} FROM PUBLIC", ct);
        foreach (var login in database.Logins)
        {
            await ExecuteAsync(server, $"GRANT CONNECT ON DATABASE {Quote(database.Database)} TO {Quote(login.Role)}", ct);
        }

        var builder = new NpgsqlConnectionStringBuilder(superuser) { Database = database.Database, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        if (database.Logins.SingleOrDefault(l => l.OwnsDatabase) is { } owner)
        {
            // Logins do not inherit (NOINHERIT), so the owner owns the schema itself rather than through pg_database_owner.
            await ExecuteAsync(connection, $"ALTER DATABASE {Quote(database.Database)} OWNER TO {Quote(owner.Role)}; ALTER SCHEMA public OWNER TO {Quote(owner.Role)}", ct);
            await TransferObjectsAsync(connection, owner.Role, ct);
        }
        // Under row level security PostgreSQL uses an index for a condition only if its function is leakproof; these
        // two are, but are not marked so (search scanned the table: 275 ms for a rare word at a million videos, 16 ms
        // with the GIN index). Marking them needs a superuser, so it is done here rather than in a migration.
        await ExecuteAsync(connection, """
            ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF;
            ALTER FUNCTION enum_eq(anyenum, anyenum) LEAKPROOF;
            """, ct);
    }

    /// <summary>Objects of the <c>public</c> schema the owner does not own yet (a database the superuser migrated
    /// before there were logins) become the owner's, so its migrations can alter them.</summary>
    private static Task TransferObjectsAsync(NpgsqlConnection connection, string owner, CancellationToken ct) => ExecuteAsync(connection, $$"""
        DO $$ DECLARE statement text; BEGIN
            FOR statement IN
                SELECT format('ALTER TABLE %s OWNER TO {{Quote(owner)}}', c.oid::regclass) FROM pg_class c
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
                  AND c.relowner <> '{{owner}}'::regrole
                UNION ALL
                SELECT format('ALTER FUNCTION %s OWNER TO {{Quote(owner)}}', p.oid::regprocedure) FROM pg_proc p
                WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> '{{owner}}'::regrole
                UNION ALL
                SELECT format('ALTER TYPE %s OWNER TO {{Quote(owner)}}', t.oid::regtype) FROM pg_type t
                WHERE t.typnamespace = 'public'::regnamespace AND t.typtype = 'e' AND t.typowner <> '{{owner}}'::regrole
            LOOP
                EXECUTE statement;
            END LOOP;
        END $$;
        """, ct);

    private static string Quote(string identifier) =>
        System.Text.RegularExpressions.Regex.IsMatch(identifier, "^[a-z_][a-z0-9_]*$")
            ? identifier
            : throw new ArgumentException($"'{identifier}' is not a plain lower-case identifier.", nameof(identifier));

    private static string Literal(string value) => $"'{value.Replace("'", "''")}'";

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return await command.ExecuteScalarAsync(ct);
    }
}
