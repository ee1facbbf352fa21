import BondCore
import PacketIO

extension Engine {
    /// Places the bond device in the host as a configuration file declares it: MTU,
    /// addresses, bridge port, then up. Call before `run()`. The bond device is removed
    /// on shutdown, and its addresses and bridge port go with it.
    public func attach(addresses: [InterfaceAddress], mtu: Int?, bridge: String?) throws(EngineError) {
        let index = hostIndex
        do {
            if let mtu { try links.change(index: index, LinkChange(mtu: mtu)) }
            if let bridge {
                guard let br = try links.link(named: bridge) else { throw EngineError("bridge \(bridge) does not exist") }
                guard br.kind == "bridge" else { throw EngineError("\(bridge) is not a bridge") }
                try links.change(index: index, LinkChange(master: br.index))
            }
            for a in addresses {
                switch a {
                case .v4(let ip, let prefix):
                    let v = ip.rawValue
                    try links.addAddress(index: index, [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)], prefixLength: prefix)
                case .v6(let ip, let prefix):
                    let bytes = (0..<8).map { UInt8(truncatingIfNeeded: ip.high >> (56 - 8 * $0)) }
                        + (0..<8).map { UInt8(truncatingIfNeeded: ip.low >> (56 - 8 * $0)) }
                    try links.addAddress(index: index, bytes, prefixLength: prefix)
                }
            }
            try links.change(index: index, LinkChange(up: true))
        } catch let e as EngineError {
            throw e
        } catch {
            throw EngineError("\(name): cannot attach: \(error)")
        }
    }
}
