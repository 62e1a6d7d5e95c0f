namespace Notifications.Api;

internal sealed partial class PublishEndpoint
{
    private static readonly TimeSpan UnavailableRetry = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Publishes the request's valid alerts, in order, and answers each: a refusal of the whole request (503,
    /// 429) when it has anything to publish, else one answer per alert. All the alerts are queued before any
    /// answer is awaited, so a batch waits for the topic once, not once per alert.
    /// </summary>
    private async Task<(PublishProblem? Refusal, ItemAnswer[] Answers)> PublishAsync(ApiKey key, IReadOnlyList<ItemRead> reads, CancellationToken cancellationToken)
    {
        int valid = reads.Count(r => r.Item is not null);
        if (valid > 0 && _publisher.Unavailable is { } reason)
            return (new PublishProblem(503, PublishProblems.Unavailable, $"This instance cannot publish now: {reason}. Try again, or another instance.") { RetryAfter = UnavailableRetry }, []);
        if (valid > 0 && !_limiter.TryTake(key.Name, valid, out var retryAfter))
            return (RateLimited(key, valid, retryAfter), []);

        var answers = new ItemAnswer[reads.Count];
        var started = new List<(int Index, ApiAlert Alert, PublishItem Item, ValueTask<PublishOutcome> Outcome)>();
        var inThisRequest = new Dictionary<string, (byte[] Fingerprint, int Index)>(StringComparer.Ordinal);
        var copies = new List<(int Index, int Of)>();
        var now = _clock.GetUtcNow();
        for (int i = 0; i < reads.Count; i++)
        {
            if (reads[i].Item is not { } item)
            {
                answers[i] = ItemAnswer.Refuse(reads[i].Problem!);
                continue;
            }
            string id = item.IdempotencyKey is { } idempotencyKey ? IdempotentIds.For(key.Name, idempotencyKey) : Guid.CreateVersion7(now).ToString();
            if (item.IdempotencyKey is not null && inThisRequest.TryGetValue(id, out var first))
            {
                // The same alert earlier in this request is answered as that one is, once it is: accepted only if it was.
                if (first.Fingerprint.AsSpan().SequenceEqual(item.Fingerprint))
                    copies.Add((i, first.Index));
                else
                    answers[i] = Conflict(id, item);
                continue;
            }
            if (item.IdempotencyKey is not null)
            {
                inThisRequest.Add(id, (item.Fingerprint, i));
                if (Repeated(id, item) is { } repeat)
                {
                    answers[i] = repeat;
                    continue;
                }
            }
            var alert = new ApiAlert(id, item.Channel, item.Text, item.Data);
            started.Add((i, alert, item, _publisher.PublishAsync(alert, cancellationToken)));
        }
        foreach (var (index, alert, item, outcome) in started)
            answers[index] = Settle(alert, item, await outcome);
        foreach (var (index, of) in copies)
            answers[index] = answers[of];
        _metrics.Accepted(started.Count(s => answers[s.Index].Accepted), answers.Count(a => a.Accepted) - started.Count(s => answers[s.Index].Accepted));
        return (null, answers);
    }

    /// <summary>The answer for an idempotent alert this instance already published, or null to publish it.</summary>
    private ItemAnswer? Repeated(string id, PublishItem item) => _log.Check(id, item.Fingerprint) switch
    {
        IdempotencyCheck.Repeat => ItemAnswer.Accept(id, item.Channel),
        IdempotencyCheck.Conflict => Conflict(id, item),
        _ => null,
    };

    private static ItemAnswer Conflict(string id, PublishItem item) =>
        ItemAnswer.Refuse(new PublishProblem(409, PublishProblems.IdempotencyConflict,
            $"The idempotency key '{item.IdempotencyKey}' was used for another alert (alert {id}); use a new key for a new alert."));

    private ItemAnswer Settle(ApiAlert alert, PublishItem item, PublishOutcome outcome)
    {
        if (outcome.Status == PublishStatus.Refused)
            return ItemAnswer.Refuse(new PublishProblem(503, PublishProblems.PublishFailed, $"The alert was not published: {outcome.Reason}. Try again.") { RetryAfter = UnavailableRetry });
        // Only what the topic confirmed may answer a retry without publishing it again.
        if (outcome.Status == PublishStatus.Published && item.IdempotencyKey is not null)
            _log.Record(alert.Id, item.Fingerprint);
        return ItemAnswer.Accept(alert.Id, alert.Channel);
    }

    private static PublishProblem RateLimited(ApiKey key, int count, TimeSpan retryAfter) =>
        new(429, PublishProblems.RateLimited, count == 1
            ? $"The key '{key.Name}' is publishing faster than this server allows (PUBLISH_API_RATE_PER_SECOND)."
            : $"The key '{key.Name}' has not enough room left for {count} alerts now (PUBLISH_API_RATE_PER_SECOND, PUBLISH_API_BURST); none was sent.")
        { RetryAfter = retryAfter };
}
