import Glibc
import BondCore
import PacketIO
import SystemIO

extension Engine {
    /// Places the bond device in the host as a configuration file declares it: MTU,
    /// addresses, bridge port, then up. Call before `run()`. The bond device is removed
    /// on shutdown, and its addresses and bridge port go with it. A device taken over
    /// from a bondd that died may have them already: that is as declared.
    public func attach(addresses: [InterfaceAddress], mtu: Int?, bridge: String?) throws(EngineError) {
        let index = hostIndex
        do {
            if let mtu { try links.change(index: index, LinkChange(mtu: mtu)) }
            if let bridge {
                guard let br = try links.link(named: bridge) else { throw EngineError("bridge \(bridge) does not exist") }
                guard br.kind == "bridge" else { throw EngineError("\(bridge) is not a bridge") }
                if (try links.link(index: index))?.master != br.index { try links.change(index: index, LinkChange(master: br.index)) }
            }
            for a in addresses {
                try add(a, to: index)
            }
            try links.change(index: index, LinkChange(up: true))
            // Declared, not a change by hand: nothing to say of it.
            bondDeviceUp = true
            applyVLANCarriers()
        } catch let e as EngineError {
            throw e
        } catch {
            throw EngineError("\(name): cannot attach: \(error)")
        }
    }

    /// Adds `a` unless the device has it already.
    func add(_ a: InterfaceAddress, to index: Int32) throws(SystemError) {
        do { try addNew(a, to: index) } catch {
            if error.errno != EEXIST { throw error }
        }
    }

    private func addNew(_ a: InterfaceAddress, to index: Int32) throws(SystemError) {
        let (bytes, prefix) = a.bytesAndPrefix
        try links.addAddress(index: index, bytes, prefixLength: prefix, noDAD: false)
    }
}
