import BondCore

/// The figures of a finished run.
extension Replay {
    /// Ends the run: events scripted after the last frame still run, frames in flight
    /// arrive, and the figures are computed.
    public func finish() -> RunReport {
        if let sim {
            if let last = pending.last?.at { runEvents(upTo: last) }
            sim.advance(to: simulated(clock))
            absorbNotes()
            closeWindow()
            grow(to: sim.bond.members.count)
            for i in sim.bond.members.indices { report.members[i].name = sim.bond.members[i].name }
            for c in sim.mode.clientTable?.clients ?? [] where report.members.indices.contains(c.member) { report.members[c.member].albClients += 1 }
        }
        flushArrivals(upTo: .max)
        for i in report.members.indices where i < links.queueDrops.count { report.members[i].queueDrops = links.queueDrops[i] }
        report.durationSeconds = Double(clock) / 1e9
        let totals = report.members.map { Double(settings.direction != .rx ? $0.txBytes : $0.rxAdmittedBytes) }
        let counts = report.members.map { Double(settings.direction != .rx ? $0.txFrames : $0.rxAdmitted) }
        let frames = counts.reduce(0, +)
        let bytes = totals.reduce(0, +)
        for i in report.members.indices {
            report.members[i].frameShare = frames > 0 ? counts[i] / frames : 0
            report.members[i].byteShare = bytes > 0 ? totals[i] / bytes : 0
        }
        // Imbalance over the members that could carry traffic at some time.
        let live = report.members.indices.filter { i in sim.map { !$0.bond.members[i].isRemoved } ?? true }
        let loads = live.map { totals[$0] }
        report.imbalance.peakToMean = BalanceFigures.peakToMean(loads)
        report.imbalance.coefficientOfVariation = BalanceFigures.coefficientOfVariation(loads)
        report.imbalance.jainIndex = BalanceFigures.jainIndex(loads)
        report.series.usableMembers = usableMasks.map { mask in (0..<64).filter { mask & (1 << UInt64($0)) != 0 } }
        var peaks: [Double] = [], jains: [Double] = []
        for (row, usable) in zip(report.series.bytes, report.series.usableMembers) where row.contains(where: { $0 > 0 }) {
            let loads = usable.map { Double($0 < row.count ? row[$0] : 0) }
            if let p = BalanceFigures.peakToMean(loads) { peaks.append(p) }
            if let j = BalanceFigures.jainIndex(loads) { jains.append(j) }
        }
        report.imbalance.meanIntervalPeakToMean = peaks.isEmpty ? nil : peaks.reduce(0, +) / Double(peaks.count)
        report.imbalance.meanIntervalJainIndex = jains.isEmpty ? nil : jains.reduce(0, +) / Double(jains.count)
        report.flows.count = flows.count
        report.flows.flowsOnSeveralMembers = flows.values.filter(\.several).count
        report.flows.reorderedPackets = reordering.reordered
        report.flows.reorderedFlows = reordering.reorderedFlows.count
        report.flows.reorderedRatio = reordering.ratio
        report.macMoves = network.moves
        report.macMovesPerMinute = report.durationSeconds > 0 ? Double(network.moves) * 60 / report.durationSeconds : 0
        report.flowMap = flowMap()
        return report
    }

    /// The heaviest flows (at most 64), and the member each used in each interval.
    func flowMap() -> RunReport.FlowMap {
        let bins = max(report.series.frames.count, 1)
        let top = flows.sorted { ($0.value.bytes, -$0.value.order) > ($1.value.bytes, -$1.value.order) }.prefix(64)
        var map = RunReport.FlowMap()
        for (key, state) in top.sorted(by: { $0.value.order < $1.value.order }) {
            var row = Array(repeating: -1, count: bins)
            var k = 0
            for b in 0...min(Int(state.lastInterval), bins - 1) {
                while k + 1 < state.changes.count && Int(state.changes[k + 1].0) <= b { k += 1 }
                if let first = state.changes.first, Int(first.0) <= b { row[b] = Int(state.changes[k].1) }
            }
            map.flows.append(String(key, radix: 16))
            map.members.append(row)
        }
        return map
    }
}
