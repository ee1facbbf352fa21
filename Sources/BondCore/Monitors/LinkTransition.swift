/// A member's link moved from one state to another, with the kernel's words for it.
public struct LinkTransition: Equatable, Sendable {
    public var from: LinkState
    public var to: LinkState
    /// The kernel's log line for this step, e.g. "link status definitely down".
    public var message: String

    public init(from: LinkState, to: LinkState, message: String) {
        self.from = from
        self.to = to
        self.message = message
    }
}
