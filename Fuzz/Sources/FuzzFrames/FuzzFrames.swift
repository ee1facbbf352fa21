import BondCore

/// Frames as they arrive from either side: parsed, then shown to every mode's transmit
/// decision and admission on every member, and rewritten as the engine rewrites them
/// (own-MAC announce, transport checksums). Modes keep their state between inputs
/// (learned clients, per-VIF MACs), as a running bond does. The first input byte chooses
/// how many members there are, which are usable and which is active.
nonisolated(unsafe) var policies: [AnyBondingMode] = BondMode.allCases.compactMap { mode in
    var o = BondOptions()
    o.mode = mode
    o.xmitHashPolicy = .layer34
    return mode == .ieee8023ad ? nil : AnyBondingMode(options: o, members: 4)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrame(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let control = data[0]
    let members = Int(control & 0x3) + 1
    let usable = (0..<members).filter { control & (0x10 << $0) != 0 }
    let view = MemberView(
        usable: usable, active: usable.first, speeds: Array(repeating: 1000, count: members),
        bondMAC: MACAddress(rawValue: 0x0200_0000_0001))
    var bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    bytes.withUnsafeMutableBytes { raw in
        let frame = MutableFrameBytes(raw)
        for maxLength in [1514, Int.max] {
            guard case .success(let parsed) = FrameParser.parse(frame.readOnly, maxLength: maxLength) else { continue }
            for i in policies.indices {
                _ = policies[i].transmitTarget(for: parsed, members: view)
                for m in 0..<members { _ = policies[i].admits(parsed, on: m, members: view) }
            }
            _ = TransportChecksum.complete(frame, parsed: parsed)
            FrameRewriter.announce(MACAddress(rawValue: 0x0200_0000_0002), in: frame, parsed: parsed)
            for p in TransmitHashPolicy.allCases { _ = p.hash(parsed) }
            for i in policies.indices { _ = policies[i].explain(parsed, members: view) }
        }
    }
    return 0
}
