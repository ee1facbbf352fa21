/// "Did you mean": the known word closest to a mistyped one, when it is close enough
/// to be a slip (an edit distance of at most a third of its length, and 3).
public enum Suggestion {
    public static func closest(to word: String, in known: [String]) -> String? {
        let limit = min(3, max(1, word.count / 3))
        var best: (String, Int)?
        for k in known {
            let d = distance(word, k)
            if d <= limit && d < (best?.1 ?? .max) { best = (k, d) }
        }
        return best?.0
    }

    /// " (did you mean X?)", or "" when nothing is close.
    public static func hint(for word: String, in known: [String]) -> String {
        closest(to: word, in: known).map { " (did you mean \($0)?)" } ?? ""
    }

    /// Levenshtein distance, with a transposition counting as one edit (Damerau).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { current[j] = min(current[j], previous2[j - 2] + 1) }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
