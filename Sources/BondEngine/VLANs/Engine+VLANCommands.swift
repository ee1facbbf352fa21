import BondCore

/// `bondctl add-vlan` and `remove-vlan`: one VLAN more or less, as a change of the
/// `vlans=` option, so that `show`, the option history and a later reload agree.
extension Engine {
    public func addVLAN(vid: Int, name deviceName: String?) throws(OptionError) {
        let current = bond.options.vlans
        if let v = current.first(where: { Int($0.vid) == vid }) {
            throw OptionError("add-vlan: VLAN \(vid) is already on \(name) (\(v.deviceName(bond: name)))")
        }
        let spec = (deviceName.map { "\(vid):\($0)" } ?? String(vid))
        _ = try setOptions(["vlans=" + (current.map(\.description) + [spec]).joined(separator: ",")])
    }

    public func removeVLAN(vid: Int?, name deviceName: String?) throws(OptionError) {
        let current = bond.options.vlans
        guard let v = current.first(where: { vid == nil ? $0.deviceName(bond: name) == deviceName : Int($0.vid) == vid })
        else {
            throw OptionError("remove-vlan: \(name) has no VLAN \(vid.map(String.init) ?? deviceName ?? "")")
        }
        _ = try setOptions(["vlans=" + current.filter { $0 != v }.map(\.description).joined(separator: ",")])
    }
}
