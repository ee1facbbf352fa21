import BondSim
import Testing

/// The figures against cases computed by hand.
@Suite struct FiguresTests {
    @Test func evenLoadIsPerfectByEveryFigure() {
        #expect(BalanceFigures.peakToMean([5, 5, 5, 5]) == 1)
        #expect(BalanceFigures.coefficientOfVariation([5, 5, 5, 5]) == 0)
        #expect(BalanceFigures.jainIndex([5, 5, 5, 5]) == 1)
    }

    @Test func everythingOnOneOfFourIsTheWorstByEveryFigure() {
        #expect(BalanceFigures.peakToMean([8, 0, 0, 0]) == 4)
        // mean 2, deviations 6, -2, -2, -2: variance (36 + 4·3) / 4 = 12, sd √12.
        #expect(abs(BalanceFigures.coefficientOfVariation([8, 0, 0, 0])! - 12.0.squareRoot() / 2) < 1e-12)
        #expect(BalanceFigures.jainIndex([8, 0, 0, 0]) == 0.25)
    }

    @Test func aSkewedPair() {
        // 3 and 1: mean 2, peak/mean 1.5, sd 1, CoV 0.5, Jain 16 / (2·10) = 0.8.
        #expect(BalanceFigures.peakToMean([3, 1]) == 1.5)
        #expect(BalanceFigures.coefficientOfVariation([3, 1]) == 0.5)
        #expect(BalanceFigures.jainIndex([3, 1]) == 0.8)
        #expect(BalanceFigures.jainIndex([]) == nil && BalanceFigures.peakToMean([0, 0]) == nil)
    }

    @Test func reorderingFollowsRFC4737() {
        // RFC 4737's example shape: 1 2 4 3 5 arrives; 3 is below NextExp (5): one of five.
        var r = ReorderingCounter<Int>()
        for s: UInt64 in [1, 2, 4, 3, 5] { r.arrived(flow: 7, sequence: s) }
        #expect(r.reordered == 1 && r.packets == 5 && r.ratio == 0.2)
        // A late packet behind several: each one below NextExp counts.
        var late = ReorderingCounter<Int>()
        for s: UInt64 in [0, 3, 1, 2, 4] { late.arrived(flow: 1, sequence: s) }
        #expect(late.reordered == 2)
        // Flows are apart: another flow's sequence never reorders this one.
        var two = ReorderingCounter<String>()
        two.arrived(flow: "a", sequence: 5)
        two.arrived(flow: "b", sequence: 0)
        #expect(two.reordered == 0 && two.reorderedFlows.isEmpty)
    }

    @Test func remappingTellsForcedMovesFromNeedlessOnes() {
        let before = ["f1": 0, "f2": 1, "f3": 1, "f4": 2]
        // Member 1 fails: f2 and f3 must move; f4 moving too is needless.
        let after = ["f1": 0, "f2": 0, "f3": 2, "f4": 0]
        let r = FlowRemapping(before: before, after: after, gone: [1])
        #expect(r == FlowRemapping(moved: 3, forced: 2, flows: 4))
        #expect(r.needless == 1)
    }
}
