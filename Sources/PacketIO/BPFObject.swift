import Foundation

/// A BPF object compiled from bpf/ at build time (see Plugins/BPFCompiler) and embedded
/// in the binary; `bytes` is what libbpf opens.
public struct BPFObject: Sendable {
    public let name: String
    private let base64: String

    init(name: String, base64: String) {
        self.name = name
        self.base64 = base64
    }

    public var bytes: [UInt8] { Array(Data(base64Encoded: base64) ?? Data()) }
}
