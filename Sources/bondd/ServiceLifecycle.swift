import BondControl
import Dispatch
import Foundation
import Logging
import SystemIO

/// What bondd tells a service manager (systemd, Type=notify): READY once every bond
/// carries traffic, RELOADING and READY around a reload, STOPPING at the end, and,
/// when the unit asks for a watchdog, a WATCHDOG ping each half interval while every
/// bond's loop answers, so that a stuck data plane gets the service restarted.
final class ServiceLifecycle: @unchecked Sendable {
    private let notifier: ServiceNotifier
    private let supervisor: Supervisor
    private let logger: Logger
    /// A bond without carrier at boot (cables out, switch down) must not hold the
    /// boot up for ever: READY comes after this long all the same, STATUS says why.
    static let carrierGrace: TimeInterval = 10
    private let queue = DispatchQueue(label: "bondd.service")
    private var watchdog: DispatchSourceTimer?

    /// Nil when no service manager listens (no NOTIFY_SOCKET).
    init?(supervisor: Supervisor, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let n = ServiceNotifier(environment: environment) else { return nil }
        notifier = n
        self.supervisor = supervisor
        self.logger = logger
    }

    /// Every bond started: READY once each carries traffic, or after `carrierGrace`.
    func started() {
        queue.async { [self] in
            let deadline = Date().addingTimeInterval(Self.carrierGrace)
            var bonds = supervisor.carriers()
            while bonds.contains(where: { !$0.up }) && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.05)
                bonds = supervisor.carriers()
            }
            notifier.send(["READY=1", "STATUS=" + status(bonds)])
            startWatchdog()
        }
    }

    /// A reload begins (SIGHUP or `bondctl reload`).
    func reloading() {
        notifier.send(["RELOADING=1", "MONOTONIC_USEC=\(SystemClock.monotonicNanoseconds() / 1000)"])
    }

    /// A reload ended: the service is ready again, whatever the reload's outcome (a
    /// refused reload left the bonds as they were).
    func reloaded(_ reply: ControlReply) {
        let outcome = reply.ok ? "" : "; last reload failed: \(reply.error?.split(separator: "\n").first ?? "")"
        notifier.send(["READY=1", "STATUS=" + status(supervisor.carriers()) + outcome])
    }

    func stopping() {
        watchdog?.cancel()
        notifier.send(["STOPPING=1", "STATUS=stopping"])
    }

    /// "2 bonds running; no carrier yet on bond1".
    private func status(_ bonds: [(name: String, up: Bool)]) -> String {
        let running = "\(bonds.count) bond\(bonds.count == 1 ? "" : "s") running"
        let waiting = bonds.filter { !$0.up }.map(\.name)
        return waiting.isEmpty ? running : running + "; no carrier yet on " + waiting.joined(separator: ", ")
    }

    /// Pings every half interval while every bond's loop takes a request within a
    /// quarter interval; a loop that does not is logged, and the ping withheld.
    private func startWatchdog() {
        guard let interval = notifier.watchdogInterval else { return }
        let half = Int(interval / 2), quarter = Int(interval / 4)
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now(), repeating: .nanoseconds(half))
        timer.setEventHandler { [self] in
            let stuck = supervisor.unresponsive(within: .nanoseconds(quarter))
            if stuck.isEmpty {
                notifier.send(["WATCHDOG=1"])
            } else {
                logger.error("watchdog: the loop of \(stuck.joined(separator: ", ")) did not answer within \(quarter / 1_000_000) ms; no ping")
            }
        }
        timer.resume()
        watchdog = timer
    }
}
