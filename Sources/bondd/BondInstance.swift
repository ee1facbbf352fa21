import BondControl
import BondCore
import BondEngine
import Dispatch
import Foundation
import Logging

/// One running bond: its engine, its control socket, the thread its loop runs on.
final class BondInstance: @unchecked Sendable {
    let engine: Engine
    let server: ControlServer
    /// What it runs: a reload that changes it in place replaces it.
    var plan: BondConfiguration
    var name: String { plan.name }
    private let finished = DispatchSemaphore(value: 0)

    /// Creates the bond (and with `attach`, its addresses, MTU and bridge port); on
    /// failure nothing of it is left. `reload` answers `bondctl reload`.
    init(
        _ plan: BondConfiguration, socket: String?, attach: Bool, logger: Logger, replacing previous: BondConfiguration? = nil,
        awaiting: [String] = [], reload: @escaping @Sendable () -> ControlReply
    ) throws(EngineError) {
        self.plan = plan
        let box = EngineBox(reload: reload)
        do {
            server = try ControlServer(
                path: socket ?? ControlPaths.socket(for: plan.name),
                handler: { request in box.handle(request) },
                stream: { request, out in box.stream(request, to: out) })
        } catch { throw EngineError("\(error)") }
        do {
            engine = try Engine(
                name: plan.name, members: plan.members, options: plan.options,
                optionWords: plan.optionWords, logger: logger, controlSocket: server.path, awaiting: awaiting)
        } catch {
            server.stop()
            throw error
        }
        if attach {
            do {
                try engine.attach(addresses: plan.addresses, mtu: plan.mtu, bridge: plan.bridge)
                // Rebuilt over the same devices: what only the previous plan declared goes.
                if let previous { _ = try engine.applyAttachments(plan, replacing: previous) }
            } catch {
                server.stop()
                engine.shutdown()
                throw error
            }
        }
        box.engine = engine
        server.start()
        // Only once the bond is up: a refused start says one line, nothing more.
        for w in plan.warnings { logger.warning("\(plan.name): \(w)") }
        logger.info("\(plan.name): control socket \(server.path)")
    }

    /// Before its loop runs (another bond failed to start).
    func shutdown() {
        server.stop()
        engine.shutdown()
    }

    /// Runs the loop on a thread of its own; `ended` gets why it stopped on its own
    /// (nil after a requested stop) once the bond is removed.
    func launch(ended: @escaping @Sendable (BondInstance, String?) -> Void) {
        let thread = Thread { [self] in
            var failure: String?
            do { try engine.run() } catch { failure = (error as? EngineError)?.message ?? "\(error)" }
            server.stop()
            engine.shutdown()
            ended(self, failure)
            finished.signal()
        }
        // Named by `Engine.run`, as the kernel shows threads (Foundation's `name` sets
        // nothing for a name over 15 bytes).
        thread.start()
    }

    /// Asks the loop to stop and waits until the bond is removed (or, `keepingDevices`,
    /// stopped with its devices left for the rebuilt bond to take over).
    func stopAndWait(keepingDevices: Bool = false) {
        engine.requestStop(keepingDevices: keepingDevices)
        finished.wait()
        finished.signal()
    }
}
