@testable import BondControl
import Foundation
import Testing

/// The typed requests: command names on the wire, the old alias, unknown names.
@Suite struct ControlCommandTests {
    func decode(_ json: String) throws -> ControlRequest { try JSONDecoder().decode(ControlRequest.self, from: Data(json.utf8)) }

    @Test func commandsAreTheirWireNames() throws {
        #expect(try decode(#"{"command":"set-active","member":"eth1"}"#).command == .setActive)
        #expect(try decode(#"{"command":"status"}"#).command == .show, "the old name still works")
        let encoded = String(decoding: try JSONEncoder().encode(ControlRequest(command: .addMember, member: "eth2")), as: UTF8.self)
        #expect(encoded.contains(#""command":"add-member""#))
    }

    @Test func anUnknownCommandIsNamedWithTheOnesThereAre() {
        do {
            _ = try decode(#"{"command":"reboot"}"#)
            Issue.record("decoded")
        } catch {
            let u = UnknownCommand.within(error)
            #expect(u?.name == "reboot")
            #expect(u?.description.hasPrefix("unknown command 'reboot' (show, set, set-active") == true)
        }
    }

    @Test func everyReplyCarriesTheProtocolVersion() throws {
        let json = String(decoding: try JSONEncoder().encode(ControlReply.failure("x")), as: UTF8.self)
        #expect(json.contains(#""version":1"#))
        #expect(ControlCommand.events.isStreaming && ControlCommand.capture.isStreaming && !ControlCommand.show.isStreaming)
    }
}

@Suite struct ProtocolVersionTests {
    @Test func aReplyOfAnotherVersionIsNamedAsSuch() {
        let old = Array(#"{"ok":true,"status":{"name":"bond0","mode":"balance-rr"}}"#.utf8)
        #expect(
            ControlClient.unreadable(old, from: "/run/bondd/bond0.sock").contains(
                "speaks control protocol an older version, this bondctl version 1: restart bondd"))
        let garbled = Array(#"{"ok":true,"version":1,"status":7}"#.utf8)
        #expect(ControlClient.unreadable(garbled, from: "/s") == "unreadable reply from /s")
    }
}
