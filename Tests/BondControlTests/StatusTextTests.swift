@testable import BondControl
import BondCore
import Testing

@Suite struct StatusTextTests {
    @Test func wakeupsSayHowTheEngineWaits() {
        let polled = WakeupStatus(
            coalesce: "adaptive", waiting: "tick", tickMicroseconds: 213, turns: 900, polledTurns: 800, probes: 3, probesSlowed: 1)
        #expect(StatusText.wakeups(polled) == "polling every 213 µs (coalesce=adaptive; 3 tries to poll, 1 slowed the traffic)")
        let off = WakeupStatus(coalesce: "off", waiting: "sockets", tickMicroseconds: nil, turns: 5, polledTurns: 0, probes: 0, probesSlowed: 0)
        #expect(StatusText.wakeups(off) == "on the sockets (coalesce=off)")
        var busy = off
        busy.busyPollMicroseconds = 50
        busy.busyPolledFrames = 7
        busy.waiting = "busy-poll"
        #expect(StatusText.wakeups(busy) == "busy-polling (busy_poll=50: 50 µs without sleeping after each frame; 7 frames taken so)")
    }

    private func status() -> BondStatus {
        let members = ["eth0", "eth1"].map {
            MemberStatus(
                name: $0, link: "up", linkState: "up", state: $0 == "eth0" ? "active" : "backup", linkFailures: 1, permanentMAC: "02:00:00:00:00:01",
                speed: 10_000, lastChangeMillisecondsAgo: 5, txPackets: 7, txBytes: 700, txDrops: 0, rxPackets: 9, rxBytes: 900, rxDrops: 0)
        }
        var s = BondStatus(
            name: "bond0", mode: .activeBackup, modeDescription: "fault-tolerance (active-backup)", activeMember: "eth0", carrier: "up",
            mac: "02:00:00:00:00:01", mtu: 1500, miimon: 100, updelay: 0, downdelay: 0, peerNotifDelay: 0, numGratARP: 1, primary: nil,
            primaryReselect: .always, packetsPerSlave: 1, xmitHashPolicy: .layer2, allSlavesActive: false, lastFailoverReason: nil,
            failovers: 2, members: members, counters: BondCounters())
        s.backend = "afpacket"
        return s
    }

    /// /proc/net/bonding/bond0 of an active-backup bond, line for line, with the
    /// engine's own lines only under --verbose.
    @Test func theKernelsLayoutAndTheEnginesUnderVerbose() {
        let text = StatusText.render(status())
        #expect(
            text == """
                Ethernet Channel Bonding Driver: bondd \(BondVersion.string) (user space)

                Bonding Mode: fault-tolerance (active-backup)
                Primary Slave: None
                Currently Active Slave: eth0
                MII Status: up
                MII Polling Interval (ms): 100
                Up Delay (ms): 0
                Down Delay (ms): 0
                Peer Notification Delay (ms): 0

                Slave Interface: eth0
                MII Status: up
                Speed: 10000 Mbps
                Duplex: Unknown
                Link Failure Count: 1
                Permanent HW addr: 02:00:00:00:00:01
                Slave queue ID: 0

                Slave Interface: eth1
                MII Status: up
                Speed: 10000 Mbps
                Duplex: Unknown
                Link Failure Count: 1
                Permanent HW addr: 02:00:00:00:00:01
                Slave queue ID: 0

                """, "\(text)")
        var pinned = status()
        pinned.engineThread = EngineThreadStatus(id: 4242, cpus: "1", cpu: 1)
        pinned.options["engine_cpus"] = "1"
        let verbose = StatusText.render(pinned, verbose: true)
        for line in [
            "Backend: afpacket", "Failovers: 2", "State: backup", "TX packets: 7  bytes: 700  drops: 0", "Frames refused: runt 0",
            "Engine thread: 4242 on CPU 1 (may run on 1; engine_cpus=1)\n",
        ] {
            #expect(verbose.contains(line + "\n") || verbose.contains(line), "\(line)")
            #expect(!text.contains(line), "\(line)")
        }
    }
}
