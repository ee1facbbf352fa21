import ArgumentParser
import BondControl
import BondCore
import BondEngine
import Dispatch
import Foundation
import Glibc
import Logging
import PacketIO

@main
struct Bondd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bondd",
        abstract: "Run one bond in the foreground: create its device, drive its members.",
        discussion: """
        Options are written as for the kernel's bonding driver, name=value.
        Modes: balance-rr, active-backup, balance-xor, broadcast, balance-tlb,
        balance-alb (0-3, 5, 6) and balance-slb (per-VIF source MAC hashing).
        Link monitoring: miimon, updelay, downdelay; or the ARP/NS monitor:
        arp_interval, arp_ip_target, ns_ip6_target, arp_validate, arp_all_targets,
        arp_missed_max. Selection: primary, primary_reselect, prio=MEMBER:N,...,
        active_slave. After failover: num_grat_arp/num_unsol_na, peer_notif_delay,
        fail_over_mac (none|active|follow), resend_igmp. Also all_slaves_active,
        packets_per_slave, xmit_hash_policy, tlb_dynamic_lb, lp_interval,
        rebalance_interval, alb_clients. The README lists values and ranges.

        With --config FILE, bondd runs every bond the file declares ([NAME] sections with
        members, options, address, mtu and bridge), each with its own control socket;
        all bonds start or none does.

        The bond device is created in the current network namespace, with the first
        member's MAC address; members get the bond's MTU (and, with fail_over_mac=none,
        its MAC) while enslaved and are restored on SIGINT/SIGTERM.

        Examples:
          bondd bond0 --members eth0,eth1 mode=active-backup miimon=100 primary=eth0
          bondd bond0 --members eth0,eth1 mode=0 packets_per_slave=4 miimon=100
          bondd --config /etc/bondd.conf
          bondd bond0 --members eth0,eth1 mode=active-backup \\
                arp_interval=100 arp_ip_target=192.0.2.254 fail_over_mac=active
        """)

    @Argument(help: "Name of the bond device to create (e.g. bond0); not with --config.")
    var bond: String?

    @Option(name: .long, help: "Member interfaces, comma-separated (e.g. eth0,eth1).")
    var members: String?

    @Option(name: .long, help: "Run every bond of this configuration file (see the README for its format).")
    var config: String?

    @Option(name: .long, help: "Control socket path (default: /run/bondd/BOND.sock); one bond only.")
    var socket: String?

    @Option(name: .long, help: "Log level: debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @Argument(help: "Bonding options as name=value (e.g. mode=active-backup miimon=100).")
    var options: [String] = []

    static func fail(_ message: String, code: Int32 = 2) -> Never {
        FileHandleStderr.write("bondd: \(message)\n")
        Glibc.exit(code)
    }

    /// The bonds to run: the file's, or the one the command line describes.
    private func plans() -> [BondConfiguration] {
        if let config {
            if bond != nil || members != nil || !options.isEmpty {
                Self.fail("--config: the bonds come from the file; give no bond, --members or options")
            }
            if socket != nil { Self.fail("--socket: not with --config; each bond listens on /run/bondd/BOND.sock") }
            guard let text = KernelTextFile.read(config) else { Self.fail("--config: cannot read \(config)") }
            let bonds: [BondConfiguration]
            do { bonds = try ConfigurationFile.parse(text, file: config) } catch { Self.fail(error.description) }
            if bonds.isEmpty { Self.fail("\(config): no bonds declared ([NAME] sections)") }
            return bonds
        }
        guard let bond else { Self.fail("give a bond name and --members, or --config FILE (see --help)") }
        guard let members else { Self.fail("--members: missing (e.g. --members eth0,eth1)") }
        let memberList = members.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if memberList.contains(where: \.isEmpty) { Self.fail("--members: empty member name in '\(members)'") }
        var plan = BondConfiguration(name: bond, members: memberList, optionWords: options)
        do { (plan.options, plan.warnings) = try BondOptions.parse(options) } catch { Self.fail(error.message) }
        return [plan]
    }

    func run() throws {
        guard let level = Logger.Level(rawValue: logLevel) else { Self.fail("--log-level: invalid value '\(logLevel)'") }
        let plans = plans()
        guard geteuid() == 0 else {
            Self.fail("must run as root (creates interfaces, raw sockets and BPF programs)")
        }

        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "bondd")

        // All or nothing: every bond is checked before the first is created, and a bond
        // that still cannot start takes the ones already started down.
        for plan in plans {
            do { try Engine.check(name: plan.name, members: plan.members, options: plan.options) } catch { Self.fail(error.message) }
        }
        var bonds: [BondInstance] = []
        for plan in plans {
            do {
                bonds.append(try BondInstance(plan, socket: socket, attach: config != nil, logger: logger))
            } catch {
                for b in bonds.reversed() { b.shutdown() }
                Self.fail(error.message)
            }
        }

        // Signals become a stop request handled on each engine's own thread. A parent may
        // have left them blocked (children of threaded programs inherit masks): unblock.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler {
                logger.info("signal \(sig), stopping")
                for b in bonds { b.engine.requestStop() }
            }
            s.resume()
            sources.append(s)
        }

        let failures = BondInstance.runAll(bonds)
        if bonds.count == 1, let f = failures.first { Self.fail(f, code: 1) }
        for f in failures { FileHandleStderr.write("bondd: \(f)\n") }
        if !failures.isEmpty { Glibc.exit(1) }
    }
}

/// One running bond: its engine, its control socket, the thread its loop runs on.
final class BondInstance: @unchecked Sendable {
    let engine: Engine
    let server: ControlServer
    let name: String

    init(_ plan: BondConfiguration, socket: String?, attach: Bool, logger: Logger) throws(EngineError) {
        name = plan.name
        let box = EngineBox()
        do {
            server = try ControlServer(path: socket ?? ControlPaths.socket(for: plan.name)) { request in box.handle(request) }
        } catch { throw EngineError("\(error)") }
        do {
            engine = try Engine(name: plan.name, members: plan.members, options: plan.options, logger: logger)
        } catch {
            server.stop()
            throw error
        }
        if attach {
            do { try engine.attach(addresses: plan.addresses, mtu: plan.mtu, bridge: plan.bridge) } catch {
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

    /// Before any loop runs (a later bond failed to start).
    func shutdown() {
        server.stop()
        engine.shutdown()
    }

    /// Runs every bond's loop on a thread of its own until each stops; returns why any
    /// stopped on its own (a bond whose device was removed stops alone).
    static func runAll(_ bonds: [BondInstance]) -> [String] {
        let group = DispatchGroup()
        let failures = FailureList()
        for b in bonds {
            group.enter()
            let thread = Thread {
                var failure: String?
                do { try b.engine.run() } catch { failure = (error as? EngineError)?.message ?? "\(error)" }
                b.server.stop()
                b.engine.shutdown()
                if let failure { failures.append(failure) }
                group.leave()
            }
            thread.name = "bondd \(b.name)"
            thread.start()
        }
        group.wait()
        return failures.all
    }
}

/// Why bonds stopped, collected from their threads.
final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ s: String) { lock.withLock { items.append(s) } }
    var all: [String] { lock.withLock { items } }
}

/// Lets the control server answer before and after the engine exists.
final class EngineBox: @unchecked Sendable {
    var engine: Engine?

    func handle(_ request: ControlRequest) -> ControlReply {
        guard let engine else { return .failure("the bond is still starting") }
        switch request.command {
        case "show", "status":
            return ControlReply(ok: true, status: engine.perform { $0.status() })
        case "set-active":
            guard let m = request.member else { return .failure("set-active needs a member") }
            return engine.perform { e in
                do {
                    try e.setActive(m)
                    return ControlReply(ok: true, status: e.status())
                } catch {
                    return .failure("\(error)")
                }
            }
        case "hash":
            guard let words = request.frame else { return .failure("hash needs a frame description") }
            return engine.perform { e in
                do {
                    let (x, member) = try e.explain(words)
                    return ControlReply(ok: true, hash: HashReply(hash: x.hash, bucket: x.bucket, member: member, reason: x.reason))
                } catch {
                    return .failure("\(error)")
                }
            }
        default:
            return .failure("unknown command '\(request.command)'")
        }
    }
}

enum FileHandleStderr {
    static func write(_ s: String) {
        var s = s
        s.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
