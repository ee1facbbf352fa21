/// What an event (a failover, a rebalance, a member added) did to flows: which moved to
/// another member, and how many of those had to, their member being gone. RFC 2992's
/// argument for consistent hashing is the difference: a good policy moves only those.
public struct FlowRemapping: Sendable, Equatable {
    /// Flows on a member before and after, that are on another member after.
    public var moved = 0
    /// Of those, flows whose member was gone after (they had to move).
    public var forced = 0
    /// Flows seen both before and after.
    public var flows = 0

    /// Moves that were not needed.
    public var needless: Int { moved - forced }

    public init(moved: Int = 0, forced: Int = 0, flows: Int = 0) {
        self.moved = moved
        self.forced = forced
        self.flows = flows
    }

    /// Compares each flow's member before and after; `gone` are members that no longer
    /// carry traffic after the event.
    public init<Flow: Hashable>(before: [Flow: Int], after: [Flow: Int], gone: Set<Int>) {
        for (flow, old) in before {
            guard let new = after[flow] else { continue }
            flows += 1
            if new != old {
                moved += 1
                if gone.contains(old) { forced += 1 }
            }
        }
    }
}
