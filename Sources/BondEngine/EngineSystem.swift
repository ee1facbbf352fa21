import BondCore
import PacketIO
import SystemIO

/// Everything an engine asks of the host, in one place: links and their notifications,
/// packet sockets, the stack bypass, kernel text files, the clock, and the directory
/// where claims and recovery records live. `LinuxSystem` is the real one; tests give
/// an in-memory kernel and a virtual clock instead, and run the engine without root.
public protocol EngineSystem: AnyObject {
    func linkControl() throws(SystemError) -> any LinkControlling
    func linkEvents() throws(SystemError) -> any LinkEventSource
    func packetSocket(interfaceIndex: Int32) throws(SystemError) -> PacketSocket
    /// A socket with a ring of its own size (a VLAN device's, smaller than a member's).
    func packetSocket(interfaceIndex: Int32, ring: PacketRingConfiguration) throws(SystemError) -> PacketSocket
    func bypassStack(interfaceIndex: Int32) throws(SystemError) -> any StackBypassing
    /// A kernel text file (/proc, /sys), or nil when it cannot be read.
    func readText(_ path: String) -> String?
    /// CLOCK_MONOTONIC, or a test's virtual clock.
    func now() -> Instant
    /// Where claims (`ProcessClaim`) and recovery records are kept.
    var stateDirectory: String { get }
    /// The XDP fast path and AF_XDP sockets can be tried (they need a real kernel).
    var hasXDP: Bool { get }
    /// The CPUs bondd was started with, which `engine_cpus` picks from.
    func usableCPUs() throws(SystemError) -> [Int]
    /// Lets thread `thread` (0: the calling thread) run only on `cpus`.
    func pin(thread: Int32, to cpus: [Int]) throws(SystemError)
    /// The CPUs the calling thread may run on, and the one it runs on now.
    func placement() -> (cpus: [Int], cpu: Int)?
}

/// The host bondd runs on.
public final class LinuxSystem: EngineSystem {
    public init() {}
    public func linkControl() throws(SystemError) -> any LinkControlling { try LinkControl() }
    public func linkEvents() throws(SystemError) -> any LinkEventSource { try LinkEvents() }
    public func packetSocket(interfaceIndex: Int32) throws(SystemError) -> PacketSocket { try PacketSocket(interfaceIndex: interfaceIndex) }
    public func packetSocket(interfaceIndex: Int32, ring: PacketRingConfiguration) throws(SystemError) -> PacketSocket {
        try PacketSocket(interfaceIndex: interfaceIndex, configuration: ring)
    }
    public func bypassStack(interfaceIndex: Int32) throws(SystemError) -> any StackBypassing { try StackBypass(interfaceIndex: interfaceIndex) }
    public func readText(_ path: String) -> String? { KernelTextFile.read(path) }
    public func now() -> Instant { MonotonicClock.now() }
    public var stateDirectory: String { RecoveryRecord.directory }
    public var hasXDP: Bool { true }
    public func usableCPUs() throws(SystemError) -> [Int] { try Self.startedWith.get() }
    public func pin(thread: Int32, to cpus: [Int]) throws(SystemError) { try ThreadAffinity.set(thread: thread, to: cpus) }
    public func placement() -> (cpus: [Int], cpu: Int)? {
        guard let cpus = try? ThreadAffinity.of(thread: 0), let cpu = ThreadAffinity.currentCPU else { return nil }
        return (cpus, cpu)
    }
    /// Read once, at bondd's start (`noteStartingCPUs`) or else at the first use: a later
    /// `taskset -p` on bondd does not change what `engine_cpus=all` means.
    private static let startedWith = Result { () throws(SystemError) in try ThreadAffinity.ofProcess() }
    public static func noteStartingCPUs() { _ = startedWith }
}
