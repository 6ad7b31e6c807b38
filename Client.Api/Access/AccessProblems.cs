namespace ShipmentGrid.Api.Access;

/// <summary>
/// What a caller that may not do something hears: a read it may not make is 404, exactly as for something that
/// does not exist (no probing another tenant's ids); a write it may not make is 403.
/// </summary>
internal static class AccessProblems
{
    public static Task WriteForbiddenAsync(HttpContext context, IProblemDetailsService problems, bool readsNothing = false)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(problems);
        var read = readsNothing || HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        context.Response.StatusCode = read ? StatusCodes.Status404NotFound : StatusCodes.Status403Forbidden;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = context.Response.StatusCode,
                Title = read ? "Not found." : "This key's roles do not allow this change.",
                Type = read ? "https://shipment-grid.dev/problems/not-found" : "https://shipment-grid.dev/problems/forbidden",
            },
        }).AsTask();
    }
}
