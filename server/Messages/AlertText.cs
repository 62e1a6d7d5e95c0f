namespace Notifications.Messages;

/// <summary>The one rule for alert text, shared by client frames and topic messages.</summary>
internal static class AlertText
{
    /// <summary>Trims the text and checks its length in code points, the unit the page counts in too.</summary>
    public static bool TryNormalize(string? raw, int maxLength, out string text, out ErrorMessage? error)
    {
        text = raw?.Trim() ?? "";
        if (text.Length == 0)
        {
            error = new ErrorMessage(ErrorCodes.TextRequired, "An alert needs a non-empty \"text\".");
            return false;
        }
        int length = CodePoints(text);
        if (length > maxLength)
        {
            error = new ErrorMessage(ErrorCodes.TextTooLong, $"Alert text is {length} characters; the limit is {maxLength}.");
            return false;
        }
        error = null;
        return true;
    }

    private static int CodePoints(string text)
    {
        int count = 0;
        foreach (var _ in text.EnumerateRunes())
            count++;
        return count;
    }
}
