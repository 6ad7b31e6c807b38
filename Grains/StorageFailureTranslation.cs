using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace ShipmentGrid;

/// <summary>
/// Turns a database client's exception escaping a grain call into a <see cref="StorageFailureException"/>, which Orleans
/// can carry to the caller (the client's own types have no Orleans codec, so the caller would see a serialization
/// failure instead). The original is logged here, with the grain and method, at Warning: it may carry hosts or SQL.
/// </summary>
public sealed partial class StorageFailureTranslation(ILogger<StorageFailureTranslation> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (DatabaseFailureIn(exception) is { } database)
        {
            LogStorageFailure(logger, exception, context.InterfaceName, context.MethodName, database.IsTransient);
            throw new StorageFailureException(
                database.IsTransient ? "The database is unavailable for now; try again." : "The database refused the grain's work.", database.IsTransient);
        }
    }

    /// <summary>The database exception in <paramref name="exception"/>'s chain, or null when there is none.</summary>
    private static DbException? DatabaseFailureIn(Exception? exception) =>
        exception switch
        {
            null => null,
            DbException database => database,
            AggregateException aggregate => aggregate.InnerExceptions.Select(DatabaseFailureIn).FirstOrDefault(found => found is not null),
            _ => DatabaseFailureIn(exception.InnerException),
        };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Interface}.{Method} failed in the database (transient: {Transient})")]
    private static partial void LogStorageFailure(ILogger logger, Exception exception, string @interface, string method, bool transient);
}
