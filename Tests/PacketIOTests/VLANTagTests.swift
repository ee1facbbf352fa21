import PacketIO
import Testing

/// Tags pushed and popped in ring memory, read back from what the queue sends.
@Suite struct VLANTagTests {
    static let frame: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00] + (0..<50).map { UInt8($0) }

    /// Each frame injected goes through `change`, is queued and sent; returns what left.
    func roundTrip(_ frames: [[UInt8]], _ change: (ReceivedFrame) -> ReceivedFrame) throws -> [[UInt8]] {
        let wire = try EmbeddedPacketWire(interfaceIndex: 7)
        let queue = TransmitQueue(socket: wire.socket)
        #expect(wire.inject(frames))
        var seen = 0
        _ = wire.socket.receiveBlock { block in
            while let f = block.next() {
                queue.append(change(f))
                seen += 1
            }
            queue.flush()
        }
        #expect(seen == frames.count)
        return wire.takeSent()
    }

    @Test func aPushedTagSitsBetweenTheMACsAndTheType() throws {
        let sent = try roundTrip([Self.frame, Self.frame]) { $0.pushingTag(0x2003) }
        let tagged = Array(Self.frame[0..<12]) + [0x81, 0x00, 0x20, 0x03] + Array(Self.frame[12...])
        #expect(sent == [tagged, tagged])
    }

    @Test func aServiceTagAndACustomerTagStack() throws {
        let sent = try roundTrip([Self.frame]) { $0.pushingTag(3).pushingTag(100, tpid: 0x88A8) }
        #expect(sent == [Array(Self.frame[0..<12]) + [0x88, 0xA8, 0, 100, 0x81, 0x00, 0, 3] + Array(Self.frame[12...])])
    }

    @Test func aPoppedTagLeavesTheFrameAsItWasBeforeThePush() throws {
        let tagged = Array(Self.frame[0..<12]) + [0x81, 0x00, 0x00, 0x02] + Array(Self.frame[12...])
        let sent = try roundTrip([tagged]) { f in
            let popped = f.poppingTag()
            #expect(popped.wireLength == f.wireLength - 4)
            return popped
        }
        #expect(sent == [Self.frame])
    }
}
