/// What ifupdown hands a hook: the stanza's options as `IF_<OPTION>` variables
/// (`bond-xmit-hash-policy` is `IF_BOND_XMIT_HASH_POLICY`) and the interface as
/// `IFACE`. Read back into a stanza, the hook's bond goes through the same import as
/// an interfaces file.
public enum IfupdownEnvironment {
    /// The bond stanza of `IFACE`, with its `bond-*` keys only: addresses, MTU and the
    /// rest stay ifupdown's to set, as they are with ifenslave. Nil without `IFACE` or
    /// without `IF_BOND_SLAVES`.
    public static func stanza(_ environment: [String: String]) -> String? {
        guard let iface = environment["IFACE"], !iface.isEmpty, environment["IF_BOND_SLAVES"] != nil else { return nil }
        var text = "iface \(iface) inet manual\n"
        // bond-wait-members is the hook's (bondd --wait-members), not a bonding option.
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) where key.hasPrefix("IF_BOND_") && key != "IF_BOND_WAIT_MEMBERS" {
            text += "    " + key.dropFirst(3).lowercased().replacingOccurrences(of: "_", with: "-") + " " + value + "\n"
        }
        return text
    }
}
