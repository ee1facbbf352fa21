import BondCore
import PacketIO
import SystemIO

/// What a bond's start checks before it changes anything: names, members free to take,
/// and what a bondd that died left.
extension Engine {
    /// Everything `init` checks before it changes anything, for callers that start
    /// several bonds and want every refusal before the first bond exists.
    /// `stoppingFirst`: bonds of this daemon that are stopped before this one starts (a
    /// reload rebuilds or removes them), so their devices and members count as free.
    /// `awaiting`: members declared but not there yet (`wait_members`), which `primary`
    /// and `prio` may name: they apply once the member joins. (`active_slave` may not:
    /// the kernel refuses it for a device that is no slave.)
    public static func check(
        name: String, members: [String], options: BondOptions, stoppingFirst: Set<String> = [], awaiting: [String] = []
    ) throws(EngineError) {
        do { try checkEngineCPUs(options.engineCPUs, on: LinuxSystem()) } catch { throw EngineError(error.message) }
        let links: any LinkControlling
        do { links = try LinkControl() } catch { throw EngineError("cannot open kernel interfaces: \(error)") }
        _ = try validate(
            name: name, members: members, options: options, links: links,
            stateDirectory: ProcessClaim.stateDirectory, stoppingFirst: stoppingFirst, awaiting: awaiting)
    }

    /// Returns the members, and the bond device a dead bondd of this bond left, which
    /// this one takes over.
    static func validate(
        name: String, members: [String], options: BondOptions, links: any LinkControlling, stateDirectory: String,
        stoppingFirst: Set<String> = [], awaiting: [String] = []
    ) throws(EngineError) -> ([LinkInfo], (host: LinkInfo, engine: LinkInfo)?) {
        guard BondDevice.isValidName(name) else { throw EngineError("invalid bond name '\(name)'") }
        guard !members.isEmpty else { throw EngineError("no members given") }
        var seen: Set<String> = []
        for m in members {
            guard BondDevice.isValidName(m) else { throw EngineError("invalid member name '\(m)'") }
            guard m != name else { throw EngineError("\(m) cannot be a member of itself") }
            guard seen.insert(m).inserted else { throw EngineError("member \(m) is given twice") }
        }
        let all: [LinkInfo]
        do { all = try links.links() } catch { throw EngineError("cannot list interfaces: \(error)") }
        let engineEnd = BondDevice.engineEndName(for: name)
        if !stoppingFirst.contains(name) && Recovery.hasLeftovers(of: name, in: stateDirectory) {
            throw EngineError("\(name) was left by a bondd that did not stop cleanly; bondd --cleanup \(name) repairs it")
        }
        let leftover = stoppingFirst.contains(name) ? nil : BondDevice.leftover(of: name, in: all, stateDirectory: stateDirectory)
        if !stoppingFirst.contains(name) && leftover == nil {
            if all.contains(where: { $0.name == name }) { throw EngineError("an interface named \(name) already exists") }
            if all.contains(where: { $0.name == engineEnd }) { throw EngineError("an interface named \(engineEnd) already exists") }
        }
        let ours = VLANDevice.leftovers(of: name, in: all)
        for v in options.vlans {
            let device = v.deviceName(bond: name)
            guard VLANSpec.isValidDeviceName(device) else {
                throw EngineError("vlans: \(device) is too long for an interface name; name it: vlans=\(v.vid):NAME")
            }
            if let l = all.first(where: { $0.name == device }), !ours.contains(where: { $0.host.index == l.index }) {
                throw EngineError("vlans: \(device) already exists; remove it or name the VLAN device: vlans=\(v.vid):NAME")
            }
        }
        // Members still marked as this bond's, under a device it takes over, are its own.
        let freeOwners = leftover == nil ? stoppingFirst : stoppingFirst.union([name])
        let declared = members + awaiting
        if let p = options.primary, !declared.contains(p) { throw EngineError("primary: \(p) is not a member") }
        if let a = options.activeSlave, !members.contains(a) { throw EngineError("active_slave: \(a) is not a member") }
        if let p = options.prio.keys.sorted().first(where: { !declared.contains($0) }) { throw EngineError("prio: \(p) is not a member") }
        var infos: [LinkInfo] = []
        for m in members { infos.append(try freeInterface(m, in: all, freeOwners: freeOwners, stateDirectory: stateDirectory)) }
        return (infos, leftover)
    }

    /// The interface `m`, if it exists, is Ethernet and belongs to no bond or bridge.
    static func freeInterface(
        _ m: String, in all: [LinkInfo], freeOwners: Set<String> = [], stateDirectory: String = ProcessClaim.stateDirectory
    ) throws(EngineError) -> LinkInfo {
        guard let info = all.first(where: { $0.name == m }) else { throw EngineError("member \(m) does not exist") }
        if let alias = info.alias, alias.hasPrefix(MemberMarker.prefix) {
            let owner = String(alias.dropFirst(MemberMarker.prefix.count))
            if !freeOwners.contains(owner) && all.contains(where: { $0.name == owner }) {
                throw EngineError("\(m) is already a member of \(owner)")
            }
            // Left by a bondd that died without restoring (SIGKILL), its bond device
            // gone: its record still holds what the member had before, which only a
            // repair gives back (taking it now would record the bond's MAC as its own).
            if !freeOwners.contains(owner) && Recovery.hasLeftovers(of: owner, in: stateDirectory) {
                throw EngineError("\(m) was left changed by a bondd of \(owner) that did not stop cleanly; bondd --cleanup \(owner) restores it")
            }
            // With no record left (a marker only), the member is free again.
        }
        if info.flags & InterfaceFlags.slave != 0 || info.master != nil {
            throw EngineError("\(m) is already enslaved to another device (bond or bridge)")
        }
        if info.flags & InterfaceFlags.loopback != 0 { throw EngineError("\(m) is the loopback device, not an Ethernet interface") }
        if info.kind == "bridge" { throw EngineError("\(m) is a bridge; give the bridge's ports or make the bond its port (bridge=)") }
        guard info.mac.count == 6, info.kind != "bond" else { throw EngineError("\(m) is not an Ethernet interface") }
        // Another bond's own device, either end of it: enslaving it would loop frames.
        if info.kind == "veth" {
            if let bond = all.first(where: { $0.kind == "veth" && BondDevice.engineEndName(for: $0.name) == m }) {
                throw EngineError("\(m) is the engine end of bond \(bond.name), not an interface of its own")
            }
            if all.contains(where: { $0.kind == "veth" && $0.name == BondDevice.engineEndName(for: m) }) {
                throw EngineError("\(m) is a bond run by bondd; bonds of bonds are not supported")
            }
        }
        return info
    }
}
