using System.Text.Json;

namespace Notifications.Tests.Deploy;

/// <summary>One instruction: its keyword in upper case and the rest of its line, continuations joined.</summary>
public sealed record Instruction(string Keyword, string Arguments);

/// <summary>A <c>FROM</c> and the instructions up to the next one.</summary>
public sealed record Stage(string Name, string BaseImage, IReadOnlyList<Instruction> Instructions)
{
    public IEnumerable<string> All(string keyword) =>
        Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);

    /// <summary>The instruction that takes effect, as for WORKDIR, USER and ENTRYPOINT: the last one.</summary>
    public string Last(string keyword) =>
        All(keyword).LastOrDefault() ?? throw new InvalidOperationException($"Stage '{Name}' has no {keyword}.");

    /// <summary>Every <c>ENV</c> of this stage; a later one wins.</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>();
        foreach (var (key, value) in All("ENV").SelectMany(Dockerfile.Variables))
            environment[key] = value;
        return environment;
    }

    /// <summary>The exec form of <c>ENTRYPOINT</c>; the shell form is refused (a shell as PID 1 swallows SIGTERM).</summary>
    public string[] EntryPoint()
    {
        string raw = Last("ENTRYPOINT");
        if (!raw.StartsWith('['))
            throw new InvalidOperationException($"ENTRYPOINT must use the exec (JSON array) form, not '{raw}'.");
        return JsonSerializer.Deserialize<string[]>(raw)!;
    }

    /// <summary>The value of a <c>--name=value</c> flag on an instruction's arguments, if present.</summary>
    public static string? Flag(string arguments, string name) =>
        Dockerfile.Words(arguments).FirstOrDefault(w => w.StartsWith($"--{name}=", StringComparison.Ordinal))?[(name.Length + 3)..];
}

/// <summary>Just enough Dockerfile syntax for the deploy checks: comments, <c>\</c> continuations and stages.</summary>
public static class Dockerfile
{
    public static IReadOnlyList<Stage> Parse(string text)
    {
        var stages = new List<Stage>();
        List<Instruction>? current = null;
        foreach (var instruction in Instructions(text))
        {
            if (instruction.Keyword == "FROM")
                stages.Add(NewStage(instruction.Arguments, stages.Count, current = []));
            else
                current?.Add(instruction);
        }
        return stages;
    }

    /// <summary>The variables one <c>ENV</c> sets, in its <c>K=V K2=V2</c> or its legacy <c>K V</c> form.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Variables(string arguments)
    {
        string[] words = Words(arguments);
        if (!words[0].Contains('='))
            return [new(words[0], arguments[words[0].Length..].Trim())];
        return words.Select(pair => pair.Split('=', 2)).Select(kv => new KeyValuePair<string, string>(kv[0], kv[1].Trim('"')));
    }

    /// <summary>The final stage's <c>COPY --from=&lt;stage&gt; &lt;source&gt; &lt;destination&gt;</c> that brings in the app.</summary>
    public static (string From, string Source, string Destination) PublishCopy(this IReadOnlyList<Stage> stages)
    {
        string copy = stages[^1].All("COPY").Single(c => Stage.Flag(c, "from") is not null);
        string[] paths = Words(copy).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToArray();
        return (Stage.Flag(copy, "from")!, paths[0], paths[1]);
    }

    public static string[] Words(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static Stage NewStage(string arguments, int index, List<Instruction> instructions)
    {
        // FROM [--platform=...] image [AS name]
        string[] words = Words(arguments).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToArray();
        string name = words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : index.ToString();
        return new Stage(name, words[0], instructions);
    }

    private static IEnumerable<Instruction> Instructions(string text)
    {
        string pending = "";
        foreach (string rawLine in text.ReplaceLineEndings("\n").Split('\n'))
        {
            string line = rawLine.Trim();
            // Docker drops comment and blank lines before joining, even inside a continued instruction.
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }
            string joined = (pending + line).Trim();
            pending = "";
            int space = joined.IndexOfAny([' ', '\t']);
            yield return space < 0
                ? new Instruction(joined.ToUpperInvariant(), "")
                : new Instruction(joined[..space].ToUpperInvariant(), joined[(space + 1)..].Trim());
        }
    }
}
