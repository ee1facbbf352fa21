/// While every turn of the loop finds a full batch waiting, the engine will not sleep
/// anyway: the next turn begins at once. Its sockets then stay out of epoll, so that a
/// frame arriving meanwhile costs its sender no epoll callback (`sock_def_readable` and
/// `ep_poll_callback` run on the sender's core for every frame of a watched socket: 4-6%
/// of a generator's core at saturation). The engine looks at every ring each turn all
/// the same, and the first turn that finds less than a full batch puts the sockets back
/// (epoll reports at once a socket that became ready while out) before it may sleep.
///
/// Pure logic: `turnEnded` is told what each turn moved.
struct SaturationPolling {
    /// A turn that moves at least this many frames was full: the frames came faster than
    /// the engine took them.
    static let fullTurn = 32
    /// Full turns in a row before the sockets leave epoll: one full turn is a burst.
    static let fullTurnsBeforePolling = 4

    /// Off (`coalesce=off`): always on the sockets.
    let enabled: Bool
    private var fullTurnsInARow = 0
    /// Turns that began without a wait on the sockets, for status.
    private(set) var polledTurns = 0

    init(enabled: Bool = true) { self.enabled = enabled }

    /// Whether the next turn should begin at once, with the sockets out of epoll.
    var polls: Bool { enabled && fullTurnsInARow >= Self.fullTurnsBeforePolling }

    /// A turn ended having moved `frames`.
    mutating func turnEnded(frames: Int) {
        if polls { polledTurns &+= 1 }
        fullTurnsInARow = frames >= Self.fullTurn ? fullTurnsInARow &+ 1 : 0
    }
}
