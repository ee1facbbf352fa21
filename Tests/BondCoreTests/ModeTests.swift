import BondCore
import Testing

@Suite struct RoundRobinModeTests {
    let frame = Fixtures.parsed(Fixtures.udpFrame())

    func members(_ mode: inout RoundRobinMode, frames: Int, view: MemberView) -> [Int] {
        (0..<frames).map { _ in
            guard case .member(let m) = mode.transmitTarget(for: frame, members: view) else { return -1 }
            return m
        }
    }

    @Test func alternatesOneFrameEachLikeTheKernel() {
        var mode = RoundRobinMode(packetsPerSlave: 1)
        // The kernel's counter starts at 1, so the first frame goes to the second member.
        #expect(members(&mode, frames: 6, view: MemberView(usable: [0, 1], active: 0)) == [1, 0, 1, 0, 1, 0])
    }

    @Test func packetsPerSlaveSendsRuns() {
        var mode = RoundRobinMode(packetsPerSlave: 4)
        let seq = members(&mode, frames: 40, view: MemberView(usable: [0, 1, 2], active: 0))
        // After the kernel's short first run, every run is exactly 4 long.
        var runs: [Int] = []
        var length = 1
        for i in 1..<seq.count {
            if seq[i] == seq[i - 1] { length += 1 } else { runs.append(length); length = 1 }
        }
        #expect(runs.first == 3)
        #expect(runs.dropFirst().allSatisfy { $0 == 4 })
    }

    @Test func skipsMembersThatAreNotUsable() {
        var mode = RoundRobinMode(packetsPerSlave: 1)
        #expect(Set(members(&mode, frames: 10, view: MemberView(usable: [0, 2], active: 0))) == [0, 2])
        #expect(mode.transmitTarget(for: frame, members: MemberView(usable: [], active: nil)) == .drop)
    }

    @Test func randomSpreadsOverAllMembers() {
        var mode = RoundRobinMode(packetsPerSlave: 0)
        let seq = members(&mode, frames: 3000, view: MemberView(usable: [0, 1, 2], active: 0))
        for m in 0..<3 {
            let share = seq.filter { $0 == m }.count
            #expect(share > 800 && share < 1200, "member \(m) got \(share)")
        }
    }

    @Test func igmpGoesToTheActiveMember() {
        var mode = RoundRobinMode(packetsPerSlave: 1)
        let igmp = Fixtures.parsed(
            Fixtures.ethernet(type: EtherType.ipv4) + Fixtures.ipv4(proto: IPProtocolNumber.igmp, payload: [0x16, 0, 0, 0, 224, 0, 0, 1]))
        for _ in 0..<4 {
            #expect(mode.transmitTarget(for: igmp, members: MemberView(usable: [0, 1], active: 1)) == .member(1))
        }
    }

    @Test func admitsOnEveryMember() {
        let mode = RoundRobinMode(packetsPerSlave: 1)
        #expect(mode.admits(frame, on: 1, members: MemberView(usable: [0, 1], active: 0)))
    }
}

@Suite struct ActiveBackupModeTests {
    let frame = Fixtures.parsed(Fixtures.udpFrame())

    @Test func transmitsOnTheActiveMemberOnly() {
        var mode = ActiveBackupMode(allSlavesActive: false)
        #expect(mode.transmitTarget(for: frame, members: MemberView(usable: [0, 1], active: 1)) == .member(1))
        #expect(mode.transmitTarget(for: frame, members: MemberView(usable: [], active: nil)) == .drop)
    }

    @Test func dropsWhatBackupsReceiveUnlessAllSlavesActive() {
        let view = MemberView(usable: [0, 1], active: 0)
        #expect(ActiveBackupMode(allSlavesActive: false).admits(frame, on: 0, members: view))
        #expect(!ActiveBackupMode(allSlavesActive: false).admits(frame, on: 1, members: view))
        #expect(ActiveBackupMode(allSlavesActive: true).admits(frame, on: 1, members: view))
    }

    @Test func theFormerActiveMemberStillDeliversUnicastWhileDraining() {
        var view = MemberView(usable: [0, 1], active: 1)
        view.draining = 0
        let mode = ActiveBackupMode(allSlavesActive: false)
        #expect(mode.admits(frame, on: 0, members: view), "switches still send the bond's unicast there")
        let flooded = Fixtures.parsed(
            Fixtures.ethernet(dst: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], type: EtherType.ipv4)
                + Fixtures.ipv4(proto: IPProtocolNumber.udp, payload: Fixtures.udp(src: 1, dst: 2)))
        #expect(!mode.admits(flooded, on: 0, members: view), "a flooded frame arrives on the new active member too")
        view.draining = nil
        #expect(!mode.admits(frame, on: 0, members: view))
    }

    @Test func modePolicyDispatchesToTheConfiguredMode() throws {
        var policy = AnyBondingMode(options: try BondOptions.parse(["mode=active-backup"]).0)
        #expect(policy.transmitTarget(for: frame, members: MemberView(usable: [0, 1], active: 1)) == .member(1))
        var rr = AnyBondingMode(options: try BondOptions.parse(["mode=balance-rr"]).0)
        let a = rr.transmitTarget(for: frame, members: MemberView(usable: [0, 1], active: 0))
        let b = rr.transmitTarget(for: frame, members: MemberView(usable: [0, 1], active: 0))
        #expect(a != b)
    }
}
