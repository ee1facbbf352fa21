import ArgumentParser
import BondControl
import BondCore
import BondEngine
import Dispatch
import Glibc
import Logging

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

        The bond device is created in the current network namespace, with the first
        member's MAC address; members get the bond's MTU (and, with fail_over_mac=none,
        its MAC) while enslaved and are restored on SIGINT/SIGTERM.

        Examples:
          bondd bond0 --members eth0,eth1 mode=active-backup miimon=100 primary=eth0
          bondd bond0 --members eth0,eth1 mode=0 packets_per_slave=4 miimon=100
          bondd bond0 --members eth0,eth1 mode=active-backup \\
                arp_interval=100 arp_ip_target=192.0.2.254 fail_over_mac=active
        """)

    @Argument(help: "Name of the bond device to create (e.g. bond0).")
    var bond: String

    @Option(name: .long, help: "Member interfaces, comma-separated (e.g. eth0,eth1).")
    var members: String

    @Option(name: .long, help: "Control socket path (default: /run/bondd/BOND.sock).")
    var socket: String?

    @Option(name: .long, help: "Log level: debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @Argument(help: "Bonding options as name=value (e.g. mode=active-backup miimon=100).")
    var options: [String] = []

    static func fail(_ message: String, code: Int32 = 2) -> Never {
        FileHandleStderr.write("bondd: \(message)\n")
        Glibc.exit(code)
    }

    func run() throws {
        guard let level = Logger.Level(rawValue: logLevel) else { Self.fail("--log-level: invalid value '\(logLevel)'") }
        let parsed: BondOptions
        let warnings: [String]
        do { (parsed, warnings) = try BondOptions.parse(options) } catch { Self.fail(error.message) }
        let memberList = members.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if memberList.contains(where: \.isEmpty) { Self.fail("--members: empty member name in '\(members)'") }
        guard geteuid() == 0 else {
            Self.fail("must run as root (creates interfaces, raw sockets and BPF programs)")
        }

        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "bondd")

        let engineBox = EngineBox()
        let server: ControlServer
        do {
            server = try ControlServer(path: socket ?? ControlPaths.socket(for: bond)) { request in
                engineBox.handle(request)
            }
        } catch { Self.fail("\(error)") }

        let engine: Engine
        do {
            engine = try Engine(name: bond, members: memberList, options: parsed, logger: logger)
        } catch {
            server.stop()
            Self.fail(error.message)
        }
        engineBox.engine = engine
        server.start()
        // Only once the bond is up: a refused start says one line, nothing more.
        for w in warnings { logger.warning("\(bond): \(w)") }

        // Signals become a stop request handled on the engine's own thread. A parent may
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
            s.setEventHandler { logger.info("\(bond): signal \(sig), stopping"); engine.requestStop() }
            s.resume()
            sources.append(s)
        }
        logger.info("\(bond): control socket \(server.path)")

        var failure: String?
        do { try engine.run() } catch { failure = error.message }
        server.stop()
        engine.shutdown()
        if let failure { Self.fail(failure, code: 1) }
    }
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
