import BondCore
import Testing

/// LACPDU and Marker frames, byte for byte as 802.1AX lays them out (and the kernel's
/// struct lacpdu), and how received slow-protocols frames are sorted and counted.
@Suite struct SlowProtocolPDUTests {
    let actor = LACPPortInfo(
        systemPriority: 0x1234, system: MACAddress("02:11:22:33:44:55")!, key: 0x0F, portPriority: 0xFF, port: 3,
        state: [.activity, .shortTimeout, .aggregation])
    let partner = LACPPortInfo(
        systemPriority: 0x8000, system: MACAddress("02:aa:bb:cc:dd:ee")!, key: 0x21, portPriority: 0x80, port: 7,
        state: [.activity, .aggregation, .synchronization, .collecting, .distributing])

    func parse(_ frame: [UInt8]) -> SlowProtocolPDU { frame.withUnsafeBytes { SlowProtocolPDU.parse(FrameBytes($0)) } }

    @Test func anLACPDUIsLaidOutAsTheStandardSays() {
        let source = MACAddress("02:00:00:00:00:09")!
        let f = LACPDU(actor: actor, partner: partner).frame(source: source)
        #expect(f.count == 124)
        #expect(Array(f[0..<6]) == [0x01, 0x80, 0xC2, 0x00, 0x00, 0x02])
        #expect(Array(f[6..<12]) == [0x02, 0, 0, 0, 0, 0x09])
        #expect(Array(f[12..<14]) == [0x88, 0x09])
        // Subtype, version; actor TLV type and length, system priority, system, key,
        // port priority, port, state, 3 reserved.
        #expect(Array(f[14..<18]) == [1, 1, 1, 20])
        #expect(Array(f[18..<36]) == [0x12, 0x34, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x0F, 0x00, 0xFF, 0x00, 0x03, 0x07, 0, 0, 0])
        #expect(Array(f[36..<38]) == [2, 20])
        #expect(Array(f[38..<56]) == [0x80, 0x00, 0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0x00, 0x21, 0x00, 0x80, 0x00, 0x07, 0x3D, 0, 0, 0])
        // Collector TLV (max delay 0), terminator, 50 reserved.
        #expect(Array(f[56..<60]) == [3, 16, 0, 0])
        #expect(f[60...].allSatisfy { $0 == 0 })
    }

    @Test func anLACPDURoundTrips() {
        let pdu = LACPDU(actor: actor, partner: partner, collectorMaxDelay: 5)
        #expect(parse(pdu.frame(source: .zero)) == .lacpdu(pdu))
    }

    @Test func writingIntoTheSameBufferReusesIt() {
        var buffer: [UInt8] = []
        LACPDU(actor: actor, partner: partner).write(into: &buffer, source: .zero)
        let first = buffer.withUnsafeBufferPointer { $0.baseAddress }
        LACPDU(actor: partner, partner: actor).write(into: &buffer, source: .zero)
        #expect(buffer.withUnsafeBufferPointer { $0.baseAddress } == first)
        #expect(parse(buffer) == .lacpdu(LACPDU(actor: partner, partner: actor)))
    }

    @Test func aMarkerInformationIsAnsweredWithTheSameFields() {
        let info = MarkerPDU(tlvType: MarkerPDU.informationTLV, requesterPort: 9, requesterSystem: partner.system, transactionID: 0xDEAD_BEEF)
        let f = info.frame(source: .zero)
        #expect(f.count == 124)
        #expect(Array(f[14..<32]) == [2, 1, 1, 16, 0, 9, 0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xDE, 0xAD, 0xBE, 0xEF, 0, 0])
        guard case .markerInformation(let parsed) = parse(f) else {
            Issue.record("not a marker information")
            return
        }
        #expect(parsed.response == MarkerPDU(tlvType: 2, requesterPort: 9, requesterSystem: partner.system, transactionID: 0xDEAD_BEEF))
    }

    @Test func malformedFramesAreSortedAsTheKernelCountsThem() {
        let good = LACPDU(actor: actor, partner: partner).frame(source: .zero)
        #expect(parse(Array(good[0..<123])) == .illegal, "shorter than a PDU")
        var unicast = good
        unicast[5] = 0x03
        #expect(parse(unicast) == .illegal, "not to the slow-protocols address")
        var oam = good
        oam[14] = 3
        #expect(parse(oam) == .unknownSubtype(3))
        var marker = MarkerPDU(tlvType: 1, requesterPort: 1, requesterSystem: .zero, transactionID: 1).frame(source: .zero)
        marker[16] = 9
        #expect(parse(marker) == .unknownMarker)
    }

    @Test func theModeCountsAndAnswers() throws {
        let link = try LACPTestLink([], [])
        link.run(ms: 300)
        link.sent.removeAll()
        let info = MarkerPDU(tlvType: 1, requesterPort: 4, requesterSystem: partner.system, transactionID: 77)
        link.deliver(info.frame(source: partner.system), to: 0, on: 1)
        let reply = try #require(link.sent.last)
        #expect(reply.side == 0 && reply.member == 1)
        #expect(Array(reply.frame[6..<12]) == LACPTestLink.mac(0, 1).bytes, "from the member's permanent MAC")
        #expect(reply.frame.withUnsafeBytes { SlowProtocolPDU.parse(FrameBytes($0)) } == .markerResponse(info.response))
        // Byte for byte the PDU that came, but for its TLV type (reserved bytes too).
        var odd = info.frame(source: partner.system)
        odd[40] = 0xAB
        link.deliver(odd, to: 0, on: 1)
        let echoed = try #require(link.sent.last?.frame)
        #expect(echoed[40] == 0xAB && echoed[16] == 2 && Array(echoed[17..<124]) == Array(odd[17..<124]))
        let good = LACPDU(actor: actor, partner: partner).frame(source: .zero)
        link.deliver(Array(good[0..<100]), to: 0, on: 1)
        var oam = good
        oam[14] = 3
        link.deliver(oam, to: 0, on: 1)
        let c = try #require(link.a.status(["m0", "m1"]).members[1].lacp?.counters)
        #expect(c.markerRx == 2 && c.markerResponseTx == 2)
        #expect(c.lacpduIllegalRx == 1 && c.lacpduUnknownRx == 1)
    }
}
