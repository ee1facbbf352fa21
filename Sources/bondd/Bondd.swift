import ArgumentParser
import BondControl
import BondCore
import BondEngine
import BondMetrics
import CoreMetrics
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
            Options are written as for the kernel's bonding driver, name=value. \
            Modes: balance-rr, active-backup, balance-xor, broadcast, 802.3ad, \
            balance-tlb, balance-alb (0-6) and balance-slb (per-VIF source MAC hashing). \
            802.3ad (LACP): lacp_rate, lacp_active, ad_select, ad_actor_sys_prio, \
            ad_user_port_key, ad_actor_system, min_links, actor_port_prio=MEMBER:N,..., \
            lacp_fallback_ab. Link monitoring: miimon, updelay, downdelay; or the ARP/NS monitor:
            arp_interval, arp_ip_target, ns_ip6_target, arp_validate, arp_all_targets, \
            arp_missed_max. Selection: primary, primary_reselect, prio=MEMBER:N,..., \
            active_slave. After failover: num_grat_arp/num_unsol_na, peer_notif_delay, \
            fail_over_mac (none|active|follow), resend_igmp. Also all_slaves_active, \
            packets_per_slave, xmit_hash_policy, tlb_dynamic_lb, lp_interval, \
            rebalance_interval, alb_clients. README.md (in share/doc/bondd once installed) lists values and ranges.

            With --config FILE, bondd runs every bond the file declares ([NAME] sections with \
            members, options, address, mtu and bridge), each with its own control socket; \
            all bonds start or none does. With --config FILE BOND, only that section \
            (as the bondd@BOND service runs it).

            Under systemd (Type=notify), bondd says READY once every bond carries traffic \
            (or after 10 s, STATUS naming the bonds without carrier), RELOADING and READY \
            around reloads, STOPPING at the end, and with WatchdogSec a WATCHDOG ping while \
            every bond's loop answers.

            The bond device is created in the current network namespace, with the first \
            member's MAC address; members get the bond's MTU (and, with fail_over_mac=none, \
            its MAC) while enslaved and are restored on SIGINT/SIGTERM. What a bond changed \
            is recorded in /run/bondd/BOND.state before each change: after a SIGKILL or a \
            crash, starting the same bond again restores the members the dead bondd left and \
            takes its bond device over (addresses, routes, bridge port and upper devices \
            stay); bondd --cleanup BOND restores the members and removes the device.

            Examples:
              bondd bond0 --members eth0,eth1 mode=active-backup miimon=100 primary=eth0
              bondd bond0 --members eth0,eth1 mode=802.3ad miimon=100 lacp_rate=fast \\
                    xmit_hash_policy=layer3+4
              bondd bond0 --members eth0,eth1 mode=0 packets_per_slave=4 miimon=100
              bondd --config /etc/bondd.conf --metrics 127.0.0.1:9469
              bondd --cleanup bond0
              bondd bond0 --members eth0,eth1 mode=active-backup \\
                    arp_interval=100 arp_ip_target=192.0.2.254 fail_over_mac=active
            """,
        version: BondVersion.string)

    @Argument(help: "Name of the bond device to create (e.g. bond0); with --config, the one section of the file to run.")
    var bond: String?

    @Option(
        name: .long, help: "Member interfaces, comma-separated (e.g. eth0,eth1).",
        completion: .custom { _, _, prefix in
            // eth0,eth1,<TAB>: the interfaces not named yet, after what is typed.
            let typed = prefix.split(separator: ",").map(String.init)
            let head = prefix.hasSuffix(",") || prefix.isEmpty ? typed : Array(typed.dropLast())
            let stem = head.isEmpty ? "" : head.joined(separator: ",") + ","
            return MemberCandidates.names().filter { !head.contains($0) }.map { stem + $0 }
        })
    var members: String?

    @Option(name: .long, help: "Run every bond of this configuration file ([NAME] sections of key = value lines, as in bondd.conf.example).")
    var config: String?

    @Option(name: .long, help: "Control socket path (default: /run/bondd/BOND.sock); one bond only.")
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("Serve Prometheus metrics at http://HOST:PORT/metrics (off by default).", valueName: "host:port"))
    var metrics: String?

    @Flag(name: .long, help: "Restore what a killed bondd of BOND left (bond device, members' MAC, MTU, flags, filters, XDP programs), then exit.")
    var cleanup = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Wait up to this long for members not present yet (0: a missing member is an error); those still missing then join when they appear.",
            valueName: "seconds"))
    var waitMembers: Int?

    @Option(name: .long, help: "Log level: debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @Argument(
        help: "Bonding options as name=value (e.g. mode=active-backup miimon=100).",
        completion: .custom { _, _, prefix in OptionCompletion.candidates(for: prefix) })
    var options: [String] = []

    static func fail(_ message: String, code: Int32 = 2) -> Never {
        FileHandleStderr.write("bondd: \(message)\n")
        Glibc.exit(code)
    }

    /// The bonds to run: the file's, or the one the command line describes.
    private func plans() -> [BondConfiguration] {
        if let w = waitMembers, !(0...3600).contains(w) { Self.fail("--wait-members: \(w) is not a number of seconds in 0-3600") }
        // The command line's wait is every bond's, unless its section says otherwise.
        return declaredPlans().map { p in
            var p = p
            if p.waitMembers == nil { p.waitMembers = waitMembers }
            return p
        }
    }

    private func declaredPlans() -> [BondConfiguration] {
        if let config {
            if members != nil || !options.isEmpty {
                Self.fail("--config: the bonds come from the file; give no --members or options (a bond name runs that section alone)")
            }
            if socket != nil { Self.fail("--socket: not with --config; each bond listens on /run/bondd/BOND.sock") }
            switch ConfigurationReader.bonds(at: config, only: bond) {
            case .success(let bonds): return bonds
            case .failure(let e): Self.fail(e.message)
            }
        }
        guard let bond else { Self.fail("give a bond name and --members, or --config FILE (see --help)") }
        guard let members else { Self.fail("--members: missing (e.g. --members eth0,eth1)") }
        let memberList = members.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if memberList.contains(where: \.isEmpty) { Self.fail("--members: empty member name in '\(members)'") }
        var plan = BondConfiguration(name: bond, members: memberList, optionWords: options)
        do { (plan.options, plan.warnings) = try BondOptions.parse(options) } catch { Self.fail(error.message) }
        return [plan]
    }

    /// `bondd --cleanup BOND`: repairs and exits, starting nothing.
    private func runCleanup() -> Never {
        guard let bond, members == nil, config == nil, options.isEmpty else {
            Self.fail("--cleanup: give the bond's name alone (bondd --cleanup bond0)")
        }
        guard geteuid() == 0 else { Self.fail("must run as root (restores interfaces and removes BPF programs)") }
        let report: Recovery.Report
        do { report = try Recovery.repair(bond: bond) } catch { Self.fail(error.message, code: 1) }
        if report.isEmpty {
            print("\(bond): nothing to clean up (no record of a bondd that did not stop cleanly)")
            Glibc.exit(0)
        }
        for line in report.repaired { print("\(bond): \(line)") }
        for line in report.failed { FileHandleStderr.write("bondd: \(bond): \(line)\n") }
        Glibc.exit(report.failed.isEmpty ? 0 : 1)
    }

    func run() throws {
        // A log reader that went away (stderr a closed pipe) must not kill the data
        // plane: writes fail with EPIPE instead, and the bond keeps running.
        signal(SIGPIPE, SIG_IGN)
        // A standard descriptor closed by the parent would be reused by the first
        // socket opened, and log lines would land in it: hold them on /dev/null.
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
            let null = open("/dev/null", O_RDWR)
            if null >= 0 && null != fd { dup2(null, fd); close(null) }
        }
        guard let level = Logger.Level(rawValue: logLevel) else { Self.fail("--log-level: invalid value '\(logLevel)'") }
        if cleanup { runCleanup() }
        // What `engine_cpus=all` means from now on, whatever `taskset -p` does later.
        LinuxSystem.noteStartingCPUs()
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
        // libbpf's messages (a program the verifier refuses, a driver without native
        // XDP) join the log at the matching level rather than printing raw on stderr.
        let libbpf = Logger(label: "bondd.libbpf")
        LibBPFMessages.route { level, line in
            switch level {
            case .warning: libbpf.warning("libbpf: \(line)")
            case .info: libbpf.info("libbpf: \(line)")
            case .debug: libbpf.debug("libbpf: \(line)")
            }
        }

        let supervisor = Supervisor(configPath: config, only: config == nil ? nil : bond, socket: socket, logger: logger)
        // Signals become a stop request handled on each engine's own thread (SIGHUP: a
        // reload, refused until the start is done). Handled from before the first
        // change, so that a stop while bonds are being made (systemctl stop while a
        // boot waits for members) undoes what was made instead of killing bondd halfway.
        // A parent may have left them blocked (children of threaded programs inherit
        // masks): unblock.
        var handled = sigset_t()
        sigemptyset(&handled)
        for sig in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&handled, sig) }
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler {
                if sig == SIGHUP {
                    let r = supervisor.reload()
                    if !r.ok { logger.error("SIGHUP: \(r.error ?? "reload failed")") }
                } else {
                    logger.info("signal \(sig), stopping")
                    supervisor.stopAll()
                }
            }
            s.resume()
            sources.append(s)
        }

        // The endpoint is bound before any bond exists: a taken port changes nothing.
        var metricsServer: MetricsServer?
        if let metrics {
            let exporter = MetricsExporter()
            MetricsSystem.bootstrap(exporter.factory)
            do {
                metricsServer = try MetricsServer(address: metrics) {
                    exporter.update(supervisor.statuses())
                    return exporter.render()
                }
            } catch { Self.fail("\(error)") }
        }
        let service = ServiceLifecycle(supervisor: supervisor, logger: logger)
        supervisor.service = service
        do { try supervisor.start(plans) } catch { Self.fail(error.message) }
        if !supervisor.isStopping { service?.started() }
        if let metricsServer {
            metricsServer.start()
            logger.info("metrics at http://\(metricsServer.address)/metrics")
        }

        let failures = supervisor.waitUntilDone()
        if plans.count == 1 && config == nil, let f = failures.first { Self.fail(f, code: 1) }
        metricsServer?.stop()
        for f in failures { FileHandleStderr.write("bondd: \(f)\n") }
        if !failures.isEmpty { Glibc.exit(1) }
        _ = sources
        _ = service
    }
}

/// Lets the control server answer before and after the engine exists.
final class EngineBox: @unchecked Sendable {
    var engine: Engine?
    private let reload: @Sendable () -> ControlReply

    init(reload: @escaping @Sendable () -> ControlReply) { self.reload = reload }

    func handle(_ request: ControlRequest) -> ControlReply {
        if request.command == .reload { return reload() }
        guard let engine else { return .failure("the bond is still starting") }
        switch request.command {
        case .show:
            guard let status = engine.perform({ $0.status() }) else { return Self.stopping }
            return ControlReply(ok: true, status: status)
        case .setActive:
            guard let m = request.member else { return .failure("set-active needs a member") }
            return change(engine) { e throws(OptionError) in
                try e.setActive(m); return nil
            }
        case .addMember, .removeMember:
            guard let m = request.member else { return .failure("\(request.command.rawValue) needs a member") }
            return engine.perform { e in
                do throws(EngineError) {
                    if request.command == .addMember { try e.addMember(m) } else { try e.removeMember(m) }
                    return ControlReply(ok: true, status: e.status())
                } catch {
                    return .failure(error.message)
                }
            } ?? Self.stopping
        case .enableMember, .disableMember:
            guard let m = request.member else { return .failure("\(request.command.rawValue) needs a member") }
            return change(engine) { e throws(OptionError) in
                try e.setEnabled(m, request.command == .enableMember); return nil
            }
        case .set:
            let words = request.options ?? []
            return change(engine) { e throws(OptionError) in
                let warnings = try e.setOptions(words)
                return warnings.isEmpty ? nil : warnings.map { "warning: \($0)" }.joined(separator: "\n")
            }
        case .addVLAN:
            guard let vid = request.vlan else { return .failure("add-vlan needs a VLAN id") }
            return change(engine) { e throws(OptionError) in
                try e.addVLAN(vid: vid, name: request.name); return nil
            }
        case .removeVLAN:
            guard request.vlan != nil || request.name != nil else { return .failure("remove-vlan needs a VLAN id or device") }
            return change(engine) { e throws(OptionError) in
                try e.removeVLAN(vid: request.vlan, name: request.name); return nil
            }
        case .migrate:
            guard let m = request.member, let b = request.bucket else { return .failure("migrate needs a bucket and a member") }
            return change(engine) { e throws(OptionError) in
                try e.migrate(bucket: b, to: m, vif: request.vif ?? false); return nil
            }
        case .hash:
            guard let words = request.frame else { return .failure("hash needs a frame description") }
            return engine.perform { e in
                do {
                    let (x, member) = try e.explain(words)
                    return ControlReply(ok: true, hash: HashReply(hash: x.hash, bucket: x.bucket, member: member, reason: x.reason))
                } catch {
                    return .failure("\(error)")
                }
            } ?? Self.stopping
        case .reload, .events, .capture:
            return .failure("\(request.command.rawValue) is not answered here")
        }
    }

    private static let stopping = ControlReply.failure("the bond is stopping")

    /// `events`: the bond's state changes as they happen, one JSON line each, until
    /// the client goes or the bond stops; `capture`: see `CaptureSession`.
    func stream(_ request: ControlRequest, to out: LineWriter) {
        guard let engine else {
            _ = out.send(ControlReply.failure("the bond is still starting"))
            return
        }
        if request.command == .capture {
            CaptureSession.run(request, engine: engine, out: out)
            return
        }
        var seen = engine.journal.latest
        guard out.send(ControlReply(ok: true)) else { return }
        while let changes = engine.journal.changes(after: seen, timeout: 1) {
            for c in changes {
                guard out.send(c) else { return }
                seen = c.sequence
            }
            if changes.isEmpty && out.peerClosed { return }
        }
    }

    /// Runs a change on the engine's thread; the reply carries the status after it, and
    /// what the change had to say.
    private func change(_ engine: Engine, _ work: @escaping (Engine) throws(OptionError) -> String?) -> ControlReply {
        engine.perform { e in
            do throws(OptionError) {
                let message = try work(e)
                return ControlReply(ok: true, status: e.status(), message: message)
            } catch {
                return .failure(error.message)
            }
        } ?? Self.stopping
    }
}

enum FileHandleStderr {
    static func write(_ s: String) {
        var s = s
        s.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
