import BondCore
import Testing

/// What a configuration file's bytes read as before they are parsed: Windows line
/// ends and byte order marks are accepted, binary files refused at their line, and
/// every error is one bounded line.
@Suite struct ConfigurationTextTests {
    let plain = "[bond0]\nmembers = eth0 eth1\nmiimon = 1000\n"

    @Test func crlfAndAByteOrderMarkReadAsPlainText() throws {
        let windows = [0xEF, 0xBB, 0xBF] + Array(plain.replacing("\n", with: "\r\n").utf8)
        let text = try ConfigurationFile.text(of: windows, file: "f")
        #expect(text == plain)
        let bonds = try ConfigurationFile.parse(text, file: "f")
        #expect(bonds.first?.options.miimon == 1000)
    }

    @Test func binaryBytesAreRefusedAtTheirLineWithoutEchoingThem() {
        #expect(throws: ConfigurationError(file: "f", line: 3, message: "not a text file (byte 0x0)")) {
            try ConfigurationFile.text(of: Array("[b]\nmembers = a\nx".utf8) + [0, 1, 2], file: "f")
        }
        #expect(throws: ConfigurationError(file: "f", line: 2, message: "not a text file (byte 0xD)")) {
            try ConfigurationFile.text(of: Array("[b]\nmem\rbers = a\n".utf8), file: "f")
        }
        #expect(throws: ConfigurationError(file: "f", line: 2, message: "not UTF-8 text")) {
            try ConfigurationFile.text(of: Array("[b]\nmembers = ".utf8) + [0xFF, 0xFE] + Array("\n".utf8), file: "f")
        }
    }

    @Test func errorsStayOneShortLineWhateverTheFileHolds() {
        let long = String(repeating: "x", count: 100_000)
        for text in ["\(long)\n", "[bond0]\n\(long)\n", "[bond0]\nmembers = a b\nmiimon = \(long)\n", "[\(long)]\n"] {
            do {
                _ = try ConfigurationFile.parse(text, file: "f")
                Issue.record("accepted")
            } catch {
                #expect(error.description.count < 300, "\(error.description.prefix(400))")
                #expect(!error.description.contains("\n"))
            }
        }
    }
}
