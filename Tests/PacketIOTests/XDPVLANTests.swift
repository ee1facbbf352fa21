import BondCore
import Glibc
import PacketIO
import Testing

/// The fast path's VLAN devices, run by the kernel (BPF_PROG_TEST_RUN) with the loopback
/// device standing in for members and VLAN devices: tags pushed on what a VLAN device
/// sends, popped off what arrives for one, put back on what goes up. Needs root.
@Suite(.serialized) struct XDPVLANTests {
    static let pass: UInt32 = 2, drop: UInt32 = 1, redirect: UInt32 = 4
    let lo: Int32 = 1

    /// IPv4/UDP, or ARP, untagged.
    func frame(type: UInt16 = 0x0800) -> [UInt8] {
        var f: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, UInt8(type >> 8), UInt8(type & 0xFF)]
        f += [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2, 0x03, 0xE8, 0x07, 0xD0, 0, 8, 0, 0]
        return f + [UInt8](repeating: 0, count: 64 - f.count)
    }

    func tagged(_ f: [UInt8], tci: UInt16) -> [UInt8] { Array(f[0..<12]) + [0x81, 0x00, UInt8(tci >> 8), UInt8(tci & 0xFF)] + Array(f[12...]) }

    func program() throws -> XDPBondProgram {
        let p = try XDPBondProgram()
        try p.setDevice(ifindex: lo)
        try p.setMember(slot: 0, ifindex: lo)
        try p.configure(.init(mode: .activeBackup, active: 0, usable: [0]))
        return p
    }

    @Test func whatAVLANDeviceSendsLeavesTaggedOnTheChosenMember() throws {
        let p = try program()
        try p.setVLAN(vid: 3, ifindex: lo)
        let (verdict, out) = try p.run(transmit: true, frame: frame(), ingress: lo)
        #expect(verdict == Self.redirect)
        #expect(out == tagged(frame(), tci: 3))
        #expect(p.vlanCounters(vid: 3).txPackets == 1 && p.vlanCounters(vid: 3).txBytes == 64)
        p.removeVLAN(vid: 3, ifindex: lo)
        #expect(try p.run(transmit: true, frame: frame(), ingress: lo) == (Self.redirect, frame()), "the bond device's frame: untagged")
        #expect(p.vlanCounters(vid: 3).txPackets == 0)
    }

    @Test func aFrameTaggedForAVLANDeviceReachesItUntaggedAndOthersGoUpTagged() throws {
        let p = try program()
        try p.setVLAN(vid: 3, ifindex: lo)
        // Priority bits and all: the device's tag is the 12-bit VID.
        let (verdict, out) = try p.run(transmit: false, frame: tagged(frame(), tci: 0xA003), ingress: lo)
        #expect(verdict == Self.redirect && out == frame())
        #expect(p.vlanCounters(vid: 3).rxPackets == 1 && p.vlanCounters(vid: 3).rxBytes == 64)
        // No device for VLAN 5: up to the engine, which gives it to the bond device tagged.
        #expect(try p.run(transmit: false, frame: tagged(frame(), tci: 5), ingress: lo) == (Self.pass, tagged(frame(), tci: 5)))
        // ARP of VLAN 3 goes up for the monitors and balance-alb, its tag put back as it was.
        let arp = tagged(frame(type: 0x0806), tci: 0xA003)
        #expect(try p.run(transmit: false, frame: arp, ingress: lo) == (Self.pass, arp))
    }

    @Test func aBackupsTaggedFrameIsDroppedAsAnUntaggedOneWouldBe() throws {
        let p = try program()
        try p.setVLAN(vid: 3, ifindex: lo)
        try p.configure(.init(mode: .activeBackup, active: 4, usable: [4]))
        #expect(try p.verdict(transmit: false, frame: tagged(frame(), tci: 3), ingress: lo) == Self.drop)
    }
}
