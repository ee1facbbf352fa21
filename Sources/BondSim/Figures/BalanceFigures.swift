/// How evenly load is spread over members, as the load-balancing literature reports it.
/// Each takes the members' loads (frames or bytes); nil when there is no load at all.
public enum BalanceFigures {
    /// The busiest member's load over the mean: 1 is perfect, n is everything on one of n.
    public static func peakToMean(_ loads: [Double]) -> Double? {
        guard let mean = mean(loads), mean > 0 else { return nil }
        return loads.max()! / mean
    }

    /// The coefficient of variation: the loads' standard deviation (population) over
    /// their mean; 0 is perfect.
    public static func coefficientOfVariation(_ loads: [Double]) -> Double? {
        guard let mean = mean(loads), mean > 0 else { return nil }
        let variance = loads.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(loads.count)
        return variance.squareRoot() / mean
    }

    /// Jain's fairness index, (Σx)² / (n·Σx²): 1 is perfect, 1/n is everything on one.
    public static func jainIndex(_ loads: [Double]) -> Double? {
        let sum = loads.reduce(0, +), squares = loads.reduce(0) { $0 + $1 * $1 }
        guard !loads.isEmpty, squares > 0 else { return nil }
        return sum * sum / (Double(loads.count) * squares)
    }

    private static func mean(_ loads: [Double]) -> Double? {
        loads.isEmpty ? nil : loads.reduce(0, +) / Double(loads.count)
    }
}
