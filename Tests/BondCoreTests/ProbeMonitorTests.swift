import BondCore
import Testing

/// A switch between the bond's members and one ARP target: each member's path to the
/// target works or not; probes are answered on paths that work, and a probe is flooded
/// to the other members whose paths work (as a bridge floods broadcasts).
struct ProbeWorld {
    var h: BondHarness
    var pathUp: [Bool]
    let own = IPv4Address("192.0.2.1")!
    let target = IPv4Address("192.0.2.2")!
    var interval: Int

    init(_ words: [String], members: [String] = ["m0", "m1"]) throws {
        h = try BondHarness(words, members: members)
        h.bond.setOwnAddresses(ipv4: [own], ipv6: [IPv6Address("2001:db8::1")!])
        pathUp = Array(repeating: true, count: members.count)
        interval = h.bond.options.arpInterval
    }

    /// One monitor interval: the bond's round, then the world's answers to its probes.
    mutating func round() {
        h.advance(interval)
        var events = h.events
        for case .probe(let m) in h.events {
            h.bond.probed(member: m, at: h.now)
            guard pathUp[m] else { continue }
            let at = h.now.adding(milliseconds: 1)
            events += h.bond.received(.arp(operation: ARPHeader.reply, sender: target, target: own), on: m, at: at)
            for j in pathUp.indices where j != m && pathUp[j] {
                events += h.bond.received(.arp(operation: ARPHeader.request, sender: own, target: target), on: j, at: at)
            }
        }
        h.events = events
    }

    mutating func rounds(_ n: Int) -> [BondEvent] {
        var all: [BondEvent] = []
        for _ in 0..<n { round(); all += h.events }
        return all
    }

    func link(_ name: String) -> LinkState { h.bond.members[h.bond.index(of: name)!].link }
}

@Suite struct ARPMonitorActiveBackupTests {
    let words = ["mode=active-backup", "arp_interval=100", "arp_ip_target=192.0.2.2", "arp_validate=all"]

    @Test func answeredProbesKeepEveryMemberUp() throws {
        var w = try ProbeWorld(words)
        let events = w.rounds(30)
        #expect(w.h.active == "m0")
        #expect(w.link("m0") == .up && w.link("m1") == .up)
        #expect(!events.contains { if case .link = $0 { true } else { false } })
        // Probes go out on the active member only.
        #expect(events.allSatisfy { if case .probe(let m) = $0 { m == 0 } else { true } })
    }

    @Test func silentPathBeyondTheSwitchFailsOverWithinMissedMaxPlusOneIntervals() throws {
        var w = try ProbeWorld(words)
        _ = w.rounds(5)
        w.pathUp[0] = false
        var elapsed = 0
        while w.h.active == "m0" && elapsed < 2000 {
            w.round()
            elapsed += w.interval
        }
        #expect(w.h.active == "m1")
        // arp_interval × (arp_missed_max + 1), as the kernel's inspect allows.
        #expect(elapsed <= 300)
        #expect(w.link("m0") == .down)
        #expect(w.h.bond.members[0].linkFailureCount == 1)
        #expect(w.h.bond.lastFailoverReason?.contains("m0 no answer") == true)
        // m1 now probes and is answered; m0 stays down while its path is dead.
        _ = w.rounds(20)
        #expect(w.h.active == "m1")
        #expect(w.link("m0") == .down)
        // The path heals: m0 hears m1's probes flooded back and comes up as a backup.
        w.pathUp[0] = true
        _ = w.rounds(3)
        #expect(w.link("m0") == .up)
        #expect(w.h.active == "m1")
    }

    @Test func withoutValidationAnyTrafficKeepsTheActiveMemberUp() throws {
        // The weakness arp_validate exists for: another host's broadcasts on the dead
        // segment look like life.
        var w = try ProbeWorld(["mode=1", "arp_interval=100", "arp_ip_target=192.0.2.2"])
        w.pathUp[0] = false
        for _ in 0..<20 {
            w.round()
            w.h.bond.received(.traffic, on: 0, at: w.h.now)
        }
        #expect(w.h.active == "m0")
        var v = try ProbeWorld(["mode=1", "arp_interval=100", "arp_ip_target=192.0.2.2", "arp_validate=all"])
        v.pathUp[0] = false
        for _ in 0..<20 {
            v.round()
            v.h.bond.received(.traffic, on: 0, at: v.h.now)
        }
        #expect(v.h.active == "m1")
    }

    @Test func filterCountsOnlyARPOnUnvalidatedMembers() throws {
        // filter_active: the active is validated; backups count ARP only.
        var w = try ProbeWorld(["mode=1", "arp_interval=100", "arp_ip_target=192.0.2.2", "arp_validate=filter_active"])
        w.pathUp[1] = false
        for _ in 0..<20 {
            w.round()
            w.h.bond.received(.traffic, on: 1, at: w.h.now)
        }
        #expect(w.link("m1") == .down)
        // An unrelated ARP frame is enough for an unvalidated backup under a filter.
        for _ in 0..<2 {
            w.round()
            w.h.bond.received(
                .arp(operation: ARPHeader.request, sender: IPv4Address("192.0.2.99")!, target: IPv4Address("192.0.2.98")!), on: 1, at: w.h.now)
        }
        #expect(w.link("m1") == .up)
    }

    @Test func everyValidateValueKeepsHealthyMembersUp() throws {
        for v in ARPValidate.allCases {
            var w = try ProbeWorld(
                ["mode=1", "arp_interval=100", "arp_ip_target=192.0.2.2", "arp_validate=\(v.kernelName)"],
                members: ["m0", "m1", "m2"])
            _ = w.rounds(30)
            #expect(["m0", "m1", "m2"].allSatisfy { w.link($0) == .up }, "arp_validate=\(v.kernelName)")
        }
    }

    @Test func withNoActiveMemberTheProbeRotatesUntilOneAnswers() throws {
        var w = try ProbeWorld(words, members: ["m0", "m1", "m2"])
        w.pathUp = [false, false, false]
        _ = w.rounds(10)
        #expect(w.h.active == nil)
        // The candidate moves one member per interval.
        var candidates: [Int] = []
        for _ in 0..<6 {
            w.round()
            for case .probe(let m) in w.h.events { candidates.append(m) }
        }
        #expect(Set(candidates) == [0, 1, 2])
        #expect(w.h.bond.probe?.candidate != nil)
        w.pathUp[2] = true
        _ = w.rounds(6)
        #expect(w.h.active == "m2")
        #expect(w.link("m2") == .up)
    }

    @Test func allTargetsNeedsEveryTargetToAnswer() throws {
        // Two targets, only the first answers: with "any" the member stays up, with
        // "all" it goes down.
        for (mode, expected) in [("any", "m0"), ("all", nil as String?)] {
            var w = try ProbeWorld([
                "mode=1", "arp_interval=100", "arp_ip_target=192.0.2.2,192.0.2.3",
                "arp_validate=all", "arp_all_targets=\(mode)",
            ])
            _ = w.rounds(20)
            #expect(w.h.active == expected, "arp_all_targets=\(mode)")
        }
    }

    @Test func carrierLossIsFinalAtOnceAndReturnNeedsAnAnswer() throws {
        var w = try ProbeWorld(words)
        _ = w.rounds(3)
        w.h.carrier("m0", false)
        #expect(w.h.active == "m1")
        #expect(w.link("m0") == .down)
        w.h.carrier("m0", true)
        #expect(w.link("m0") == .down)
        _ = w.rounds(3)
        #expect(w.link("m0") == .up)
    }
}

@Suite struct ARPMonitorLoadBalanceTests {
    @Test func eachMemberIsProbedAndJudgedOnItsOwn() throws {
        var w = try ProbeWorld(["mode=balance-rr", "arp_interval=100", "arp_ip_target=192.0.2.2"])
        _ = w.rounds(5)
        #expect(w.h.bond.usable == [0, 1])
        w.pathUp[1] = false
        let events = w.rounds(5)
        #expect(events.contains { if case .probe(1) = $0 { true } else { false } })
        #expect(w.h.bond.usable == [0])
        #expect(w.h.bond.members[1].linkFailureCount == 1)
        w.pathUp[1] = true
        _ = w.rounds(3)
        #expect(w.h.bond.usable == [0, 1])
    }
}

@Suite struct NSMonitorTests {
    @Test func neighborAdvertisementsFromTheTargetKeepTheActiveUp() throws {
        var h = try BondHarness(["mode=1", "arp_interval=100", "ns_ip6_target=2001:db8::2", "arp_validate=all"])
        let own = IPv6Address("2001:db8::1")!, target = IPv6Address("2001:db8::2")!
        h.bond.setOwnAddresses(ipv4: [], ipv6: [own])
        for round in 0..<20 {
            h.advance(100)
            for case .probe(let m) in h.events {
                h.bond.probed(member: m, at: h.now)
                if round < 10 {
                    h.bond.received(.neighbor(isAdvertisement: true, source: target, destination: own, target: target), on: m, at: h.now)
                    h.bond.received(.neighbor(isAdvertisement: false, source: own, destination: target, target: target), on: 1 - m, at: h.now)
                }
            }
            if round == 9 { #expect(h.active == "m0") }
        }
        // No answers for ten intervals: the active member is judged down.
        #expect(h.bond.members[0].linkFailureCount == 1)
        #expect(h.active != "m0")
    }
}

@Suite struct PrioTests {
    @Test func highestPrioUpMemberIsChosenWithoutAPrimary() throws {
        var h = try BondHarness(["mode=1", "miimon=100", "prio=m1:10,m2:11"], members: ["m0", "m1", "m2"])
        #expect(h.active == "m2")
        h.carrier("m2", false)
        #expect(h.active == "m1")
        // Back with a higher prio: reselected under primary_reselect=always.
        h.carrier("m2", true)
        #expect(h.active == "m2")
    }

    @Test func primaryReselectGovernsAReturningHigherPrio() throws {
        for (reselect, expected) in [("always", "m2"), ("better", "m1"), ("failure", "m1")] {
            var h = try BondHarness(
                ["mode=1", "miimon=100", "prio=m1:10,m2:11", "primary_reselect=\(reselect)"],
                members: ["m0", "m1", "m2"])
            h.carrier("m2", false)
            h.carrier("m2", true)
            #expect(h.active == expected, "primary_reselect=\(reselect)")
        }
    }

    @Test func primaryBeatsPrio() throws {
        let h = try BondHarness(["mode=1", "miimon=100", "prio=m1:10", "primary=m0"], members: ["m0", "m1"])
        #expect(h.active == "m0")
    }
}

@Suite struct ProbeMonitorTargetsHeardTests {
    @Test(arguments: ["none", "all"])
    func showTellsWhenTheActiveMemberLastHeardTheTarget(validate: String) throws {
        var w = try ProbeWorld(["mode=1", "arp_interval=100", "arp_ip_target=192.0.2.2", "arp_validate=\(validate)"])
        _ = w.rounds(3)
        let records = try #require(w.h.bond.probe?.records)
        // The reply came 1 ms after the last round's probe.
        #expect(records[0].targetLastRx == [w.h.now.adding(milliseconds: 1)])
        // The backup hears only the active member's requests, which are not the target speaking.
        #expect(records[1].targetLastRx == [validate == "all" ? w.h.now.adding(milliseconds: 1) : nil])
    }
}

@Suite struct ProbeCandidatePromotionTests {
    @Test(arguments: ["none", "active", "all"])
    func anAnsweringCandidateTakesOverOnItsAnswerNotAtTheNextRound(validate: String) throws {
        var w = try ProbeWorld(["mode=1", "arp_interval=100", "arp_ip_target=192.0.2.2", "arp_validate=\(validate)"])
        _ = w.rounds(3)
        w.pathUp = [false, false]
        _ = w.rounds(10)
        #expect(w.h.active == nil)
        w.pathUp[1] = true
        var probedAt: Instant?
        for _ in 0..<6 where w.h.active == nil {
            w.round()
            if w.h.events.contains(.probe(member: 1)) { probedAt = w.h.now }
        }
        #expect(w.h.active == "m1")
        let probed = try #require(probedAt)
        #expect(w.h.bond.lastFailoverAt == probed.adding(milliseconds: 1))
        #expect(w.h.events.contains(.activeChanged(from: nil, to: 1, reason: "ARP monitor: m1 answered a probe")))
        #expect(w.link("m1") == .up && w.link("m0") == .down)
    }

    @Test func aSilentCandidateIsNotPromoted() throws {
        var w = try ProbeWorld(["mode=1", "arp_interval=100", "arp_ip_target=192.0.2.2", "arp_validate=all"])
        w.pathUp = [false, false]
        _ = w.rounds(10)
        // Another host's ARP on the candidate is not an answer to its probe.
        for m in [0, 1] {
            w.h.bond.received(
                .arp(operation: ARPHeader.request, sender: IPv4Address("192.0.2.99")!, target: IPv4Address("192.0.2.98")!), on: m, at: w.h.now)
        }
        #expect(w.h.active == nil)
    }
}
