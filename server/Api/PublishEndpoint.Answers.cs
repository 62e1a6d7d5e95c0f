namespace Notifications.Api;

internal sealed partial class PublishEndpoint
{
    private Task AcceptAsync(HttpContext context, ApiKey key, ItemAnswer answer)
    {
        _metrics.Answered(StatusCodes.Status202Accepted, "accepted");
        Log.Published(_logger, key.Name, 1, 1);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        return context.Response.WriteAsJsonAsync(new PublishAccepted(answer.Id!, answer.Channel!), ApiJsonContext.Default.PublishAccepted, cancellationToken: context.RequestAborted);
    }

    private Task AnswerBatchAsync(HttpContext context, ApiKey key, ItemAnswer[] answers)
    {
        int accepted = answers.Count(a => a.Accepted);
        int status = accepted == answers.Length ? StatusCodes.Status202Accepted : StatusCodes.Status207MultiStatus;
        _metrics.Answered(status, accepted == answers.Length ? "accepted" : "partial");
        Log.Published(_logger, key.Name, accepted, answers.Length);
        var results = answers.Select(a => a.Problem is { } p
            ? new BatchItemResult(p.Status, null, null, p.Type, p.Code, p.Title, p.Detail)
            : new BatchItemResult(StatusCodes.Status202Accepted, a.Id, a.Channel, null, null, null, null)).ToList();
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new PublishBatchAnswer(accepted, results), ApiJsonContext.Default.PublishBatchAnswer, cancellationToken: context.RequestAborted);
    }

    private Task RefuseAsync(HttpContext context, ApiKey key, PublishProblem problem)
    {
        Log.Refused(_logger, key.Name, problem.Status, problem.Code);
        return WriteProblemAsync(context, problem);
    }

    private Task WriteProblemAsync(HttpContext context, PublishProblem problem)
    {
        _metrics.Answered(problem.Status, problem.Code);
        return ProblemAnswers.WriteAsync(context, problem);
    }
}
