/// A set of CPU numbers as Linux writes them (`0-3,6`: cpuset's lists, taskset -c):
/// `engine_cpus`' value.
public struct CPUList: Equatable, Sendable, CustomStringConvertible {
    /// Sorted, each once.
    public let cpus: [Int]

    public init(_ cpus: [Int]) { self.cpus = Array(Set(cpus)).sorted() }

    /// Parses `0-3,6`; throws a one-line error naming `option`.
    public static func parse(_ text: String, option: String) throws(OptionError) -> CPUList {
        func bad(_ why: String) -> OptionError { OptionError("\(option): invalid value '\(text)' (\(why); e.g. 0-3,6)") }
        var cpus: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count), let first = Int(ends[0]), let last = Int(ends[ends.count - 1]),
                first >= 0, last < 4096
            else { throw bad("CPU numbers 0-4095, or ranges of them") }
            guard first <= last else { throw bad("a range must go upwards") }
            cpus += Array(first...last)
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
