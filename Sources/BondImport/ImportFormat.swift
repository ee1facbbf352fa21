/// The configurations `bondctl import` reads.
public enum ImportFormat: String, CaseIterable, Sendable {
    /// Debian's /etc/network/interfaces (ifenslave's bond-* keys), with modprobe files.
    case interfaces
    /// ifcfg files: SUSE's /etc/sysconfig/network, Red Hat's network-scripts.
    case ifcfg
    /// netplan YAML.
    case netplan
    /// `ip -d link show` or `ip -d addr show` of a kernel bond, text or `-j`.
    case ip

    /// What `text` (read from `path`) is, by its content, or nil when nothing tells.
    public static func detect(path: String, text: String) -> ImportFormat? {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let trimmed = text.drop { $0.isWhitespace }
        if trimmed.hasPrefix("[") || IPLinkOutput.looksLikeText(String(trimmed)) { return .ip }
        if base.hasPrefix("ifcfg-") { return .ifcfg }
        let lines = text.split(separator: "\n").map { $0.drop { $0 == " " || $0 == "\t" } }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        if lines.contains(where: { $0.hasPrefix("network:") }) { return .netplan }
        if lines.contains(where: { $0.hasPrefix("iface ") }) || ModprobeOptions.mentionsBonding(text) { return .interfaces }
        if lines.contains(where: { $0.hasPrefix("BONDING_") || $0.hasPrefix("DEVICE=") || $0.hasPrefix("MASTER=") }) { return .ifcfg }
        return nil
    }
}
