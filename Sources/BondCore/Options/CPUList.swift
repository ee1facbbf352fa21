/// A set of CPU numbers as Linux writes them (`0-3,6`, `0-7:2`: cpuset's lists,
/// `taskset -c`): `engine_cpus`' value.
public struct CPUList: Equatable, Sendable, CustomStringConvertible {
    /// Sorted, each once.
    public let cpus: [Int]
    static let limit = 4096

    public init(_ cpus: [Int]) { self.cpus = Array(Set(cpus)).sorted() }

    /// Parses `0-3,6` (spaces around the commas allowed, `A-B:S` for every S-th);
    /// throws a one-line error naming `option`.
    public static func parse(_ text: String, option: String) throws(OptionError) -> CPUList {
        func bad(_ why: String) -> OptionError { OptionError("\(option): invalid value '\(text)' (\(why); e.g. 0-3,6)") }
        func number(_ s: Substring) throws(OptionError) -> Int {
            guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw bad("CPU numbers, or ranges A-B of them") }
            guard let n = Int(s), n < limit else { throw bad("CPUs 0-\(limit - 1)") }
            return n
        }
        var cpus: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            var part = item
            while part.first == " " || part.first == "\t" { part.removeFirst() }
            while part.last == " " || part.last == "\t" { part.removeLast() }
            let pieces = part.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let range = pieces[0], stride = pieces.count == 2 ? pieces[1] : nil
            let ends = range.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count) else { throw bad("CPU numbers, or ranges A-B of them") }
            let first = try number(ends[0]), last = try number(ends[ends.count - 1])
            guard first <= last else { throw bad("a range must go upwards") }
            let step =
                try stride.map { (s: Substring) throws(OptionError) -> Int in
                    guard ends.count == 2, !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                        throw bad("a stride follows a range: A-B:S")
                    }
                    guard let n = Int(s), (1..<limit).contains(n) else { throw bad("a stride of 1-\(limit - 1)") }
                    return n
                } ?? 1
            cpus += Array(Swift.stride(from: first, through: last, by: step))
        }
        return CPUList(cpus)
    }

    /// `0-3,6`.
    public var description: String {
        var parts: [String] = []
        var i = 0
        while i < cpus.count {
            var j = i
            while j + 1 < cpus.count && cpus[j + 1] == cpus[j] + 1 { j += 1 }
            parts.append(j == i ? "\(cpus[i])" : "\(cpus[i])-\(cpus[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }
}
