import PacketIO

/// What a port's AF_XDP sockets counted: the engine's own figures and the kernel's.
/// A port keeps the sum of the sockets it closed (a backend change, a rebuild of the
/// socket path), so that its counters never go back.
struct SocketCounters: Equatable {
    var transmitted = 0
    var transmittedBytes = 0
    /// Frames that found the TX ring full.
    var transmitDrops = 0
    /// Frames the kernel dropped before the RX ring (XDP_STATISTICS).
    var receiveMissed = 0
    /// Descriptors the kernel refused as invalid: a bug of ours if ever above 0.
    var invalidDescriptors = 0

    init() {}

    init(_ socket: XDPSocket) {
        let k = socket.kernelStatistics()
        transmitted = socket.transmitted
        transmittedBytes = socket.transmittedBytes
        transmitDrops = socket.transmitDrops
        receiveMissed = k.receiveDrops
        invalidDescriptors = k.invalidDescriptors
    }

    static func + (a: SocketCounters, b: SocketCounters) -> SocketCounters {
        var s = a
        s.transmitted += b.transmitted
        s.transmittedBytes += b.transmittedBytes
        s.transmitDrops += b.transmitDrops
        s.receiveMissed += b.receiveMissed
        s.invalidDescriptors += b.invalidDescriptors
        return s
    }
}

/// A port's AF_XDP socket that, when it is replaced or closed, keeps what it counted:
/// `$xsk` is the sum over the port's sockets, so its counters never go back.
@propertyWrapper struct KeepsClosedSocketCounts {
    private var socket: XDPSocket?
    private var closed = SocketCounters()

    init(wrappedValue: XDPSocket?) { socket = wrappedValue }

    var wrappedValue: XDPSocket? {
        get { socket }
        set {
            if let old = socket, old !== newValue { closed = closed + SocketCounters(old) }
            socket = newValue
        }
    }

    var projectedValue: SocketCounters { closed + (socket.map(SocketCounters.init) ?? SocketCounters()) }
}
