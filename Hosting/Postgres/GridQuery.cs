using Npgsql;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// One named statement of the project's own SQL with the PostgreSQL type of each positional parameter
/// (<c>$1</c>, <c>$2</c>, ...), so it can be prepared and its plan checked without running it.
/// </summary>
public sealed record GridQuery(string Name, string Text, IReadOnlyList<string> ParameterTypes)
{
    /// <summary>A command for this statement with its parameters typed as declared and the values in order.</summary>
    public NpgsqlCommand CreateCommand(NpgsqlConnection connection, NpgsqlTransaction? transaction, params object?[] values) =>
        Bind(new NpgsqlCommand(Text, connection, transaction), values);

    /// <summary>The same on a pooled connection of <paramref name="dataSource"/>, for a statement that runs alone.</summary>
    public NpgsqlCommand CreateCommand(NpgsqlDataSource dataSource, params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return Bind(dataSource.CreateCommand(Text), values);
    }

    /// <summary>This statement as one of an <see cref="NpgsqlBatch"/>, so many go to the server in one round trip.</summary>
    public NpgsqlBatchCommand CreateBatchCommand(params object?[] values)
    {
        var command = new NpgsqlBatchCommand(Text);
        Bind(command.Parameters, values);
        return command;
    }

    private NpgsqlCommand Bind(NpgsqlCommand command, object?[] values)
    {
        try
        {
            Bind(command.Parameters, values);
            return command;
        }
        catch (ArgumentException)
        {
            command.Dispose();
            throw;
        }
    }

    private void Bind(NpgsqlParameterCollection parameters, object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != ParameterTypes.Count)
        {
            throw new ArgumentException($"Query {Name} takes {ParameterTypes.Count} parameters, not {values.Length}.", nameof(values));
        }

        for (var i = 0; i < values.Length; i++)
        {
            parameters.Add(new NpgsqlParameter { DataTypeName = ParameterTypes[i], Value = Writable(values[i]) });
        }
    }

    /// <summary>Npgsql writes a timestamptz only from a UTC offset; a time with any other offset is the same instant in UTC.</summary>
    private static object Writable(object? value) => value switch
    {
        null => DBNull.Value,
        DateTimeOffset at => at.ToUniversalTime(),
        DateTimeOffset[] times => Array.ConvertAll(times, at => at.ToUniversalTime()),
        _ => value,
    };
}
