import Glibc
import BondCore
import PacketIO

/// `bondctl reload` without a rebuild: what a configuration file declares, applied to the
/// running bond as `bondctl` would apply it by hand, so members that stay lose nothing.
extension Engine {
    /// Why `new` cannot replace `old` while the bond runs (an option the kernel fixes
    /// while the bond has members or is up), or nil when it can.
    public static func liveChangeRefusal(from old: BondConfiguration, to new: BondConfiguration, deviceUp: Bool) -> String? {
        do { try old.options.checkRuntimeChange(to: new.options, bond: new.name, deviceUp: deviceUp) } catch { return error.message }
        return nil
    }

    /// Applies the differences from `old` to `new`: members removed and added, options
    /// (the file's words replace the bond's, `bondctl set` changes included), MTU,
    /// bridge and addresses. Members first, so that the options may name a member the
    /// file adds (`primary`, `prio`). Returns what changed, one phrase each.
    public func applyLive(_ new: BondConfiguration, replacing old: BondConfiguration) throws(EngineError) -> [String] {
        var changed: [String] = []
        for m in old.members where !new.members.contains(m) {
            if bond.index(of: m) != nil {
                try removeMember(m)
                changed.append("\(m) removed")
            } else if awaited.contains(m) {
                awaited.removeAll { $0 == m }
                changed.append("\(m) no longer awaited")
            }
        }
        // A member still awaited joins when it appears, as at the start; so does one the
        // file adds that is not there yet, when the bond waits for members.
        for m in new.members where bond.index(of: m) == nil && !awaited.contains(m) {
            if (new.waitMembers ?? 0) > 0 && Self.absentMembers([m]) == [m] {
                awaited.append(m)
                changed.append("\(m) awaited")
            } else {
                try addMember(m)
                changed.append("\(m) added")
            }
        }
        let before = bond.options
        do { _ = try setOptions(new.optionWords, replacing: true) } catch { throw EngineError(error.message) }
        let names = before.changedOptions(to: bond.options)
        if !names.isEmpty { changed.insert("options \(names.joined(separator: ", "))", at: 0) }
        changed += try applyAttachments(new, replacing: old)
        return changed
    }

    /// The MTU, bridge and addresses `new` declares where `old` declared others: what
    /// `old` declared and `new` does not is taken away (a bond rebuilt over its devices
    /// keeps them otherwise). Returns what changed.
    public func applyAttachments(_ new: BondConfiguration, replacing old: BondConfiguration) throws(EngineError) -> [String] {
        var changed: [String] = []
        do {
            if let mtu = new.mtu, new.mtu != old.mtu {
                try links.change(index: hostIndex, LinkChange(mtu: mtu))
                changed.append("MTU \(mtu)")
            }
            if new.bridge != old.bridge {
                var master: Int32 = 0
                if let b = new.bridge {
                    guard let br = try links.link(named: b), br.kind == "bridge" else { throw EngineError("\(b) is not a bridge") }
                    master = br.index
                }
                try links.change(index: hostIndex, LinkChange(master: master))
                changed.append(new.bridge.map { "port of \($0)" } ?? "out of \(old.bridge!)")
            }
            for a in old.addresses where !new.addresses.contains(a) {
                let (bytes, prefix) = a.bytesAndPrefix
                do { try links.deleteAddress(index: hostIndex, bytes, prefixLength: prefix) } catch {
                    if error.errno != EADDRNOTAVAIL { throw error }
                }
                changed.append("\(a) removed")
            }
            for a in new.addresses where !old.addresses.contains(a) {
                try add(a, to: hostIndex)
                changed.append("\(a) added")
            }
        } catch let e as EngineError {
            throw e
        } catch {
            throw EngineError("\(name): \(error)")
        }
        return changed
    }
}
