namespace Phyght.Api.Infrastructure;

/// <summary>Failures that are the server's state, not the client's input: a statement past its timeout or a database
/// restarting (503, retry), a lifecycle change the video no longer allows (409), row level security refusing after a
/// role change (403). <c>Status</c> 0 for anything else.</summary>
public static class ServerFailures
{
    public static (int Status, string Title, string Detail) Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.QueryCanceled }:
                case Npgsql.NpgsqlException { InnerException: TimeoutException }:
                    return (StatusCodes.Status503ServiceUnavailable, "Service unavailable", "The request took too long; nothing was changed. Retry shortly.");
                // The database restarting or unreachable: not the client's fault, and over in seconds.
                // (Also what a restart brings: too many clients reconnecting at once, a connection failure.)
                case Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.AdminShutdown or Npgsql.PostgresErrorCodes.CrashShutdown or Npgsql.PostgresErrorCodes.CannotConnectNow }:
                case Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.TooManyConnections or Npgsql.PostgresErrorCodes.ConnectionFailure or Npgsql.PostgresErrorCodes.ConnectionException }:
                case Npgsql.NpgsqlException { IsTransient: true } and not Npgsql.PostgresException:
                    return (StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                        "The database is unavailable for a moment. Retry shortly; with the same Idempotency-Key a retry is never applied twice.");
                case Phyght.Core.Videos.InvalidVideoTransitionException transition:
                    return (StatusCodes.Status409Conflict, "Conflict", transition.Message);
                // Row level security refused what the API's own check let through (the role changed meanwhile).
                case Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.InsufficientPrivilege } refused
                    when refused.MessageText.Contains("row-level security", StringComparison.Ordinal):
                    return (StatusCodes.Status403Forbidden, "Forbidden", "Your current role does not allow this; nothing was changed.");
            }
        }
        return (0, "", "");
    }
}
